"""Circular impact: kilograms kept out of waste and the CO2e that avoided."""
