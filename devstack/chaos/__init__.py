"""Break things on purpose against a running ``brickguard up``: fault proxies and server actions."""
