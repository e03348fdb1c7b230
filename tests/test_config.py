"""Settings are checked for meaning, not only type (issue #18 item 4): by ``config set``,
by the IT screens (they save through save_setting) and when the file is read."""

import pytest
from appfixtures import run_cli as run

from sadec_desk.config import (
    SETTINGS,
    check_setting,
    config_path,
    load_config,
    parse_value,
    save_setting,
)
from sadec_desk.errors import InvalidInput


@pytest.mark.parametrize("name, text, fragment", [
    ("calendar.cutoff", "25:99", "HH:MM"),
    ("calendar.opening", "7h30", "HH:MM"),
    ("calendar.working_weekdays", "[9, -3]", "0 (thứ Hai)"),
    ("calendar.working_weekdays", "[]", "ít nhất một"),
    ("ui.language", "xx", "vi"),
    ("attachments.max_pages", "-1", "1 đến 1000"),
    ("attachments.max_pages", "abc", "int"),
    ("sync.portal_url", "ftp://portal", "https://"),
    ("payment.bank_bin", "97043", "6 chữ số"),
    ("queue.announce_template", "Mời {ten}", "{number}"),
    ("fees.council", '{"1.004873" = -5}', "không âm"),
    ("office.name", "UBND\x1b[2J", "điều khiển"),
    ("printing.retry_seconds", "0", "1 đến 3600"),
])
def test_config_set_refuses_values_that_mean_nothing(capsys, name, text, fragment):
    code, _out, err = run(capsys, "config", "set", name, text)
    assert code == 2 and name in err and fragment in err, err
    assert not config_path().exists()  # nothing was written


@pytest.mark.parametrize("name, text, stored", [
    ("payment.bank_bin", "970436", "970436"),  # a string setting takes the text as typed
    ("office.name", "Ủy ban 2", "Ủy ban 2"),
    ("office.name", "'UBND xã'", "UBND xã"),
    ("calendar.cutoff", "9:05", "09:05"),
    ("calendar.working_weekdays", "[4, 0, 1, 1]", [0, 1, 4]),
    ("ui.language", "en", "en"),
    ("sync.portal_url", "https://portal.example/api", "https://portal.example/api"),
    ("queue.speech", "false", False),
])
def test_config_set_accepts_sensible_values_as_typed(capsys, name, text, stored):
    assert parse_value(name, text) == stored
    code, _out, err = run(capsys, "config", "set", name, text)
    assert code == 0, err
    assert load_config()[name] == stored


def test_a_config_file_with_a_bare_table_value(capsys):
    config_path().write_text('office = "x"\n', encoding="utf-8")
    code, _out, err = run(capsys, "config", "set", "office.name", "UBND xã Thử")
    assert code == 0, err
    assert load_config()["office.name"] == "UBND xã Thử"


def test_a_wrong_value_in_the_file_gives_the_default_and_a_warning():
    config_path().write_text('[calendar]\ncutoff = "25:99"\nworking_weekdays = [9]\n',
                             encoding="utf-8")
    config = load_config()
    assert config["calendar.cutoff"] == "15:00"
    assert config["calendar.working_weekdays"] == [0, 1, 2, 3, 4]
    assert len(config.warnings) == 2


def test_save_setting_checks_too():
    with pytest.raises(InvalidInput, match="calendar.cutoff"):
        save_setting("calendar.cutoff", "24:00")
    save_setting("calendar.cutoff", "16:30")
    assert load_config()["calendar.cutoff"] == "16:30"


def test_every_default_passes_its_own_check():
    for setting in SETTINGS:
        assert check_setting(setting.name, setting.default) == setting.default, setting.name
