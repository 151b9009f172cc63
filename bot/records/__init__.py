"""Plain frozen records of the domain, shared by the rules, storage and the surfaces."""
