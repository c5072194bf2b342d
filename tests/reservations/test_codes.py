from collections import Counter

from marketplace.reservations import codes


def test_pickup_codes_use_every_letter_in_every_place_and_rarely_repeat() -> None:
    drawn = [codes.new_pickup_code() for _ in range(3000)]
    assert all(len(code) == codes.LENGTH and set(code) <= set(codes.ALPHABET) for code in drawn)
    for place in range(codes.LENGTH):
        seen = Counter(code[place] for code in drawn)
        assert set(seen) == set(codes.ALPHABET)
        # 3000 draws over 26 letters: about 115 each; a biased digit would stand out.
        assert min(seen.values()) > 60 and max(seen.values()) < 180
    assert len(set(drawn)) > 2990  # 26^6 ≈ 309 million codes


def test_a_code_read_aloud_with_spaces_or_in_lower_case_still_matches() -> None:
    assert codes.normalise(" acd efg ") == "ACDEFG"
