"""A provider's answer and what Portcheck makes of it: result, codec, verdict, words, money."""
