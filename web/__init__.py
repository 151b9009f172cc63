"""The web surface beside handlers/: the coordinator's dashboard and the API (issue #20)."""
