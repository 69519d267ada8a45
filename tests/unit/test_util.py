"""The generic helpers: the thread-safe LRU, package versions, durable writes and swaps."""

from __future__ import annotations

import threading

from index.util import LRU, package_versions, replace_folder, write_synced


def test_lru_drops_the_least_recently_used():
    lru: LRU[str, int] = LRU(2)
    lru.put_many({"a": 1, "b": 2})
    assert lru.get_many(["a"]) == {"a": 1}  # "a" is now the most recent
    lru.put_many({"c": 3})
    assert lru.get_many(["a", "b", "c"]) == {"a": 1, "c": 3} and len(lru) == 2


def test_lru_computes_a_missing_value_once():
    lru: LRU[str, int] = LRU(10)
    calls = []
    assert lru.get("x", lambda: calls.append(1) or 42) == 42
    assert lru.get("x", lambda: calls.append(1) or 0) == 42
    assert calls == [1]


def test_lru_is_safe_to_share_between_threads():
    lru: LRU[int, int] = LRU(50)

    def work(offset: int) -> None:
        for i in range(2000):
            lru.put_many({(i + offset) % 200: i})
            lru.get_many(range(offset, offset + 20))

    threads = [threading.Thread(target=work, args=(n * 10,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(lru) == 50


def test_package_versions_name_python_and_unknown_packages():
    found = package_versions(["click", "no-such-package-here"])
    assert found["python"].count(".") == 2 and found["no-such-package-here"] == "unknown"
    assert found["click"][0].isdigit()


def test_replace_folder_swaps_in_a_whole_new_folder(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "old.txt").write_text("old")
    new = tmp_path / ".export.tmp"
    new.mkdir()
    write_synced(new / "new.txt", "new\n")
    replace_folder(new, target)
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]  # the old one is gone
