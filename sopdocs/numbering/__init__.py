"""Official numbers: the register (agenda book) and the profile's numbering rules."""
