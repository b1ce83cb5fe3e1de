"""The local X-Ray daemon: a UDP collector for the segments the SDK really sends."""
