"""Every provider Portcheck knows: the interface, the registry, and one module per provider API."""
