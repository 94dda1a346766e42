"""What a synergy is worth: physics, money and CO2e (DESIGN §4)."""
