"""Moving traffic from express to serverless: the cache flush, the go/no-go gate, Route53 weights, parity, cost."""
