"""Parcel registry: land parcels, certificates and coverage statistics on PostGIS."""
