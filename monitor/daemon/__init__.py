"""The scheduler daemon: its timetable, its jobs, the one-daemon lock and its logs."""
