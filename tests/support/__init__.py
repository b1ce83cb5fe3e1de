"""Support code for the tests (stand-ins for dependencies that cannot run here)."""
