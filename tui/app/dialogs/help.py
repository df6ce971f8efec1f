"""The help text."""

HELP = """\
Portcheck answers three questions about a mobile number:
  1. can it be ported, and if not, why (and what the customer should do);
  2. was it already ported, and who runs it now;
  3. is the line alive.

Type or paste the number in any form and press Enter:
  138 0013 8000 · +86-138-0013-8000 · 0086 13800138000 · 06 61 37 09 15 · tel:+33661370915
For a French mobile number a RIO field appears: the Bouygues check needs it.
No RIO? The customer calls 3179 from the line (free).

Keys
  Enter        look the number up              ctrl+l  new lookup (clear the form)
  Tab          move between fields and panels  ctrl+r  ask again (billed providers ask first)
  ctrl+y       copy the one-line ticket summary (masked)
  ctrl+o       show / hide the history         ctrl+f  filter the history
  on a panel:  v  raw answer (sanitised)       r  retry that provider
  in history:  Enter show again (no new query) r  re-run    Delete  delete
  ctrl+p       commands: switch profile, purge history, toggle masking, theme, demo…
  f1           this help                       ctrl+q  quit

Answers reused from history are marked "cached" with their age; no provider was billed.
Provider text is shown as plain text. Secrets and RIO codes are never shown or stored.
"""
