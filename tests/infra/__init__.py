"""Tests of the test infrastructure itself: embedded servers and the OpenSearch stand-in."""
