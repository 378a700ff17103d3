"""How seller-marketplace folders are grouped into LIST requests (pipelines/resources.py `plan_listings`)."""

from pipelines.resources import KnownFolder, plan_listings


def test_known_folders_share_a_request_while_they_fit_one_page():
    # Each folder: 400 files over 100 days (4 a day), none from the night on. A group starting at
    # a folder costs its 4 new keys; each folder after it, its 400 keys and 4 new ones:
    # a = 4, a+b = 408, a+b+c = 812, a+b+c+d = 1,216 > 1,000: d starts the next group.
    folder = KnownFolder(keys=400, keys_from_first_day=0, days=100)
    plan = plan_listings([("d/", folder), ("a/", folder), ("c/", folder), ("b/", folder)], days=1)
    assert plan == [["a/", "b/", "c/"], ["d/"]]


def test_a_folder_the_ledger_does_not_know_is_listed_alone():
    small = KnownFolder(keys=10, keys_from_first_day=0, days=10)
    plan = plan_listings([("a/", small), ("b/", None), ("c/", small), ("d/", small)], days=1)
    assert plan == [["a/"], ["b/"], ["c/", "d/"]]


def test_a_folder_larger_than_a_page_is_listed_alone():
    # 3 years of 2 files a day: 2,190 keys. Nothing before it may join (its history would be read);
    # listed first of its group, from the night on, its history costs nothing, so c joins it.
    big = KnownFolder(keys=2190, keys_from_first_day=0, days=1095)
    small = KnownFolder(keys=90, keys_from_first_day=0, days=90)
    assert plan_listings([("a/", small), ("b/", big), ("c/", small)], days=1) == [["a/"], ["b/", "c/"]]


def test_a_long_range_counts_its_new_days():
    # 1 file a day over 100 days; a 30-day range adds 30 keys a folder: 30, +130, +130, ... <= 1,000
    # gives 1 + 7 folders (30 + 7 x 130 = 940; an 8th would make 1,070).
    folder = KnownFolder(keys=100, keys_from_first_day=0, days=100)
    plan = plan_listings([(f"{n:02d}/", folder) for n in range(10)], days=30)
    assert [len(g) for g in plan] == [8, 2]
