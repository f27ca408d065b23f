"""Domain rules of the register, pure Python: no database, no HTTP."""
