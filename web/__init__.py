"""The web surface: health today, the dashboard later (aiohttp)."""
