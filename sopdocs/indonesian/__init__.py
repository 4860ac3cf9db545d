"""Indonesian language facts: dates, working days, durations, NIP and numerals."""
