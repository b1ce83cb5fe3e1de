"""HTTP routes (Powertools routers), one module per Lambda function of the architecture."""
