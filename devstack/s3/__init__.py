"""The local S3: a moto server process on loopback holding the upload bucket."""
