"""Each stage step defined once, and its record in ``job_runs``: the CLI, the daemon and the
demo all run the stages through here."""
