"""Uploads: multipart parsing, file types, image processing, parts-list CSV parsing, size limits, their
schemas, answers and OpenAPI parts, and the asynchronous hand-off to the csv-parser function.
"""
