"""What every part of the product relies on and that needs no database: the clock, money,
the limits of what is accepted from outside, and file storage."""
