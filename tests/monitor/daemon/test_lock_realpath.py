"""The one-daemon lock is taken on the archive's real path: a symlink is no way around it."""

from __future__ import annotations

import pytest

from monitor.daemon.lock import AlreadyRunning, ArchiveLock, is_locked, lock_path, state_path


def test_two_paths_to_one_archive_share_one_lock(tmp_path):
    real = tmp_path / "data"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    direct, via_link = real / "brandpulse.db", tmp_path / "link" / "brandpulse.db"
    dotted = tmp_path / "link" / ".." / "data" / "brandpulse.db"
    assert lock_path(via_link) == lock_path(direct) == lock_path(dotted) == real / "brandpulse.db.lock"
    assert state_path(via_link) == real / "brandpulse.db.daemon.json"
    with ArchiveLock(direct):
        assert is_locked(via_link)
        with pytest.raises(AlreadyRunning):
            ArchiveLock(via_link).acquire()
        with pytest.raises(AlreadyRunning):
            ArchiveLock(dotted).acquire()
    assert not is_locked(via_link)
    with ArchiveLock(via_link):  # free again once the first holder let go
        assert is_locked(direct)
