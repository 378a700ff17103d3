"""Command-line errors a user meets first: they say what is wrong and exit with 2, no traceback."""

import pytest

from pipelines.cli import main


def test_end_before_start(capsys):
    assert main(["run", "--start", "2026-03-05", "--end", "2026-03-04"]) == 2
    assert "--end 2026-03-04 is before --start 2026-03-05" in capsys.readouterr().err


def test_end_in_the_future(capsys):
    assert main(["run", "--start", "2026-03-05", "--end", "2999-01-01"]) == 2
    assert "in the future" in capsys.readouterr().err


def test_missing_bucket_names_the_variable(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("SELLER_EXPORTS_BUCKET", raising=False)
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    assert main(["run", "--start", "2026-03-04", "--end", "2026-03-04"]) == 2
    assert "SELLER_EXPORTS_BUCKET" in capsys.readouterr().err


def test_bad_date_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--start", "2026-02-30", "--end", "2026-03-04"])
    assert exc.value.code == 2
    assert "is not a date like 2026-03-04" in capsys.readouterr().err


def test_scorecard_without_a_warehouse(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "missing.duckdb"))
    assert main(["scorecard"]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_a_second_run_on_the_same_warehouse_stops_at_once_and_the_lock_goes_with_the_first(tmp_path):
    from pipelines.cli import run_lock
    from pipelines.resources import WarehouseLocked

    warehouse = tmp_path / "w" / "seller_health.duckdb"
    with run_lock(warehouse):
        with pytest.raises(WarehouseLocked, match="is open for writing by another process"):
            with run_lock(warehouse):
                pass
        # another warehouse is not locked
        with run_lock(tmp_path / "other.duckdb"):
            pass
    with run_lock(warehouse):  # released when the first run ended
        pass


def test_a_published_path_that_is_a_directory_stops_the_run_before_it_starts(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SELLER_EXPORTS_BUCKET", "never-listed")
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "w.duckdb"))
    (tmp_path / "bi").mkdir()
    monkeypatch.setenv("PUBLISHED_WAREHOUSE_PATH", str(tmp_path / "bi"))
    assert main(["run", "--start", "2026-03-04", "--end", "2026-03-04"]) == 2
    err = capsys.readouterr().err
    assert f"PUBLISHED_WAREHOUSE_PATH {tmp_path / 'bi'} is a directory" in err
    assert not (tmp_path / "w.duckdb").exists()
