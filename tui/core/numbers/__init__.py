"""Phone numbers and RIOs read offline: parsing, numbering plan, range holders, masks."""
