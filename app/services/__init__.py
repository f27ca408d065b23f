"""Use cases: domain rules over the database, raising domain errors."""
