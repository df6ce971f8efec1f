"""Talking to provider APIs: the httpx client and retries, aiohttp transport, pacing."""
