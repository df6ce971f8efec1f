"""The history's tables, one migration per schema version (`PRAGMA user_version`)."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # version 1: lookups and each provider's result
    """
    CREATE TABLE lookups (
        id INTEGER PRIMARY KEY,
        created REAL NOT NULL,
        profile TEXT NOT NULL,
        number_hash TEXT NOT NULL,
        masked TEXT NOT NULL,
        full_number TEXT,
        region TEXT,
        verdict TEXT
    );
    CREATE INDEX lookups_number ON lookups (number_hash, id);
    CREATE INDEX lookups_created ON lookups (created);
    CREATE TABLE results (
        lookup_id INTEGER NOT NULL REFERENCES lookups (id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        state TEXT NOT NULL,
        created REAL NOT NULL,
        status TEXT,
        billed INTEGER,
        latency_ms REAL,
        order_id TEXT,
        query_tag TEXT,
        position INTEGER,
        reused INTEGER NOT NULL DEFAULT 0,
        data TEXT,
        PRIMARY KEY (lookup_id, provider)
    );
    CREATE INDEX results_usage ON results (provider, created);
    """,
    # version 2: the budget ledger, one row per billed request sent (a retry is a second
    # request). It holds no number, and outlives a purge: purging must not refill a budget.
    """
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        lookup_id INTEGER REFERENCES lookups (id) ON DELETE SET NULL,
        profile TEXT NOT NULL,
        provider TEXT NOT NULL,
        created REAL NOT NULL,
        state TEXT NOT NULL,
        billed INTEGER
    );
    CREATE INDEX ledger_day ON ledger (provider, profile, created);
    INSERT INTO ledger (lookup_id, profile, provider, created, state, billed)
        SELECT r.lookup_id, l.profile, r.provider, r.created, r.state, r.billed
        FROM results r JOIN lookups l ON l.id = r.lookup_id
        WHERE r.state = 'pending' OR r.billed IS NULL OR r.billed = 1;
    """,
    # version 3: batch checkpoints. Rows are identified by their place in the input file, so
    # these tables hold no number; a finished run's rows are deleted.
    """
    CREATE TABLE batch_runs (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        created REAL NOT NULL,
        written INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE batch_rows (
        run_id INTEGER NOT NULL REFERENCES batch_runs (id) ON DELETE CASCADE,
        row INTEGER NOT NULL,
        lookup_id INTEGER REFERENCES lookups (id) ON DELETE SET NULL,
        answered INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, row)
    );
    """,
    # version 4: what each provider has spent per profile and local day, kept by triggers in
    # the ledger's own transactions. A budget check reads one row here instead of counting
    # the day's ledger, which grew with every request: quadratic over a batch.
    """
    CREATE TABLE ledger_days (
        provider TEXT NOT NULL,
        profile TEXT NOT NULL,
        day TEXT NOT NULL,
        spent INTEGER NOT NULL,
        PRIMARY KEY (provider, profile, day)
    ) WITHOUT ROWID;
    INSERT INTO ledger_days (provider, profile, day, spent)
        SELECT provider, profile, date(created, 'unixepoch', 'localtime'), COUNT(*)
        FROM ledger WHERE state = 'pending' OR billed IS NULL OR billed = 1
        GROUP BY 1, 2, 3;
    CREATE TRIGGER ledger_spends AFTER INSERT ON ledger
    WHEN NEW.state = 'pending' OR NEW.billed IS NULL OR NEW.billed = 1
    BEGIN
        INSERT INTO ledger_days (provider, profile, day, spent)
        VALUES (NEW.provider, NEW.profile, date(NEW.created, 'unixepoch', 'localtime'), 1)
        ON CONFLICT DO UPDATE SET spent = spent + 1;
    END;
    CREATE TRIGGER ledger_refunds AFTER UPDATE OF state, billed ON ledger
    WHEN (OLD.state = 'pending' OR OLD.billed IS NULL OR OLD.billed = 1)
        AND NOT (NEW.state = 'pending' OR NEW.billed IS NULL OR NEW.billed = 1)
    BEGIN
        UPDATE ledger_days SET spent = spent - 1
        WHERE provider = OLD.provider AND profile = OLD.profile
            AND day = date(OLD.created, 'unixepoch', 'localtime');
    END;
    """,
]
