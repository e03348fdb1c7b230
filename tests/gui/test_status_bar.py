"""The status bar's sync part (views/shell.py sync_text)."""

from __future__ import annotations


def test_the_status_bar_says_how_many_pages_wait_for_the_portal():
    from sadec_desk.sync.records import SyncStatus
    from sadec_desk.views.shell import sync_text

    status = SyncStatus(online=True, adapter="reference", portal_url="https://cong", enrolled=True,
                        pending=2, held=0, conflicts=0, rejected=0, oldest_pending_at=None,
                        oldest_pending_age_seconds=None, next_try_at=None,
                        last_success_at=None, last_error="", last_error_at=None, cursor=0,
                        pages_waiting=12, pages_waiting_bytes=3_450_000)
    assert sync_text(status) == ("Đồng bộ: đang chờ gửi 2 thay đổi, 12 trang ảnh (3,5 MB)",
                                 "warning")
