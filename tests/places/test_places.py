"""The embedded gazetteer: search, reverse lookup, the demo city and the import command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from places import gazetteer as places
from places.models import Place

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def demo_places():
    places.seed_demo_places()


def names(query: str) -> list[str]:
    return [found.display_name for found in places.search(query)]


def test_queen_st_finds_queen_street(demo_places):
    assert names("queen st")[0] == "Queen Street"
    assert names("Queen St.")[0] == "Queen Street"


def test_search_is_a_prefix_search_ignoring_case(demo_places):
    assert names("QUEEN")[:1] == ["Queen Street"]
    assert "Queen's Playground" in names("queen")
    assert names("vict")[0] == "Victoria Road"
    # A word inside the name counts too.
    assert "Riverside Station" in names("station")


def test_search_ignores_accents_both_ways(demo_places):
    assert names("cafe de la")[0] == "Café de la Gare"
    assert names("rue de l eglise")[0] == "Rue de l'Église"
    assert names("Église")[0] == "Rue de l'Église"


def test_a_typo_still_finds_the_street(demo_places):
    assert names("qeen street")[0] == "Queen Street"
    assert names("hihg stret")[0] == "High Street"


def test_a_street_with_many_points_is_offered_once(demo_places):
    assert Place.objects.filter(name="High Street").count() > 10
    assert names("high street").count("High Street") == 1


def test_nonsense_finds_nothing(demo_places):
    assert names("zzzz qqqq") == []
    assert names("   ") == []


def test_nearest_street_to_a_point(demo_places):
    # Just north of High Street (lat 51.510), far from every other street.
    place = places.nearest_street(51.5108, -0.100)
    assert place is not None and place.name == "High Street"
    # Nothing known within reach of a point in an empty corner.
    assert places.nearest_street(51.4705, -0.0505) is None


def test_seeding_the_demo_places_twice_adds_nothing(demo_places):
    count = Place.objects.count()
    places.seed_demo_places()
    assert Place.objects.count() == count


def import_places(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_places", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_geojson_streets_landmarks_and_areas():
    output = import_places(FIXTURES / "places.geojson")

    assert "Read 3 places" in output
    brick = Place.objects.get(name="Brick Lane")
    assert brick.kind == Place.Kind.STREET
    assert brick.ref == "way/101"
    # A line stands for its middle point.
    assert brick.lat == pytest.approx(51.52) and brick.lon == pytest.approx(-0.115)
    assert Place.objects.get(name="Old Fire Station").kind == Place.Kind.LANDMARK
    assert names("bois de saint eloi") == ["Bois de Saint-Éloi"]
    # Outside the service area, or without a name: skipped.
    assert not Place.objects.filter(name="Far Away Road").exists()
    assert Place.objects.count() == 3
    # Importing again adds nothing.
    assert "0 new" in import_places(FIXTURES / "places.geojson")
    assert Place.objects.count() == 3


def test_import_csv_with_kind_and_ref():
    output = import_places(FIXTURES / "places.csv")

    assert "Read 3 places" in output
    assert Place.objects.filter(name="Acacia Avenue").count() == 2
    assert Place.objects.get(name="RV9 9ZZ").kind == Place.Kind.POSTCODE
    assert places.by_ref("UPRN-2").lat == pytest.approx(51.507)
    assert names("acacia ave") == ["Acacia Avenue"]


def test_import_refuses_a_file_it_cannot_read(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("street_name,y\nHigh Street,51.5\n")
    with pytest.raises(CommandError, match="name, lat and lon"):
        import_places(bad)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="Not a GeoJSON"):
        import_places(broken)


# The views: suggestions as one types, reverse lookup, query counts


@pytest.mark.parametrize("count", [1, 30])
def test_suggestions_as_one_types_come_from_the_gazetteer(client, count, django_assert_num_queries):
    from django.urls import reverse

    places.save_places(
        places.PlaceRow(f"Queen Street {n}", Place.Kind.STREET, 51.51 + n * 1e-4, -0.14)
        for n in range(count)
    )

    with django_assert_num_queries(1):
        # 1. places whose name starts with (or has a word starting with) the query
        response = client.get(
            reverse("reports:geocode"),
            {"address": "queen st", "suggest": "1"},
            HTTP_HX_REQUEST="true",
        )

    html = response.content.decode()
    assert html.count("Put the pin here") == min(count, places.RESULT_LIMIT)
    assert "Queen Street 0" in html


def test_no_suggestion_for_one_or_two_letters(client, demo_places, django_assert_num_queries):
    from django.urls import reverse

    with django_assert_num_queries(0):
        response = client.get(
            reverse("reports:geocode"), {"address": "qu", "suggest": "1"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 204


def test_reverse_lookup_view_gives_the_nearest_street(
    client, demo_places, django_assert_num_queries
):
    from django.urls import reverse

    with django_assert_num_queries(1):
        # 1. streets in a box around the point
        response = client.get(reverse("reports:reverse-geocode"), {"lat": "51.5108", "lon": "-0.1"})
    assert response.json() == {"name": "High Street"}
    bad = client.get(reverse("reports:reverse-geocode"), {"lat": "x"})
    assert bad.status_code == 400


def test_place_search_without_javascript_lists_links_to_the_map_and_a_new_report(
    client, demo_places
):
    from django.urls import reverse

    html = client.get(reverse("reports:place-search"), {"q": "Town hall"}).content.decode()

    assert "Town Hall" in html
    assert "/?at=51.5131,-0.138#home-map" in html
    assert "/reports/new/?pin=51.5131,-0.138" in html
    assert "/reports/nearby/?lat=51.5131&amp;lon=-0.138" in html
    home = client.get("/", {"at": "51.5131,-0.138"}).content.decode()
    assert 'data-map-center="51.5131,-0.138"' in home
    assert "?pin=51.5131,-0.138" in home


@pytest.mark.parametrize("count", [1, 30])
def test_place_search_runs_one_query(client, count, django_assert_num_queries):
    from django.urls import reverse

    places.save_places(
        places.PlaceRow(f"Mill Road {n}", Place.Kind.STREET, 51.51 + n * 1e-4, -0.14)
        for n in range(count)
    )
    with django_assert_num_queries(1):
        # 1. the matching places
        response = client.get(
            reverse("reports:place-search"), {"q": "mill rd"}, HTTP_HX_REQUEST="true"
        )
    assert response.content.decode().count("Report a problem here") == min(
        count, places.RESULT_LIMIT
    )


def test_superuser_edits_a_place_and_its_search_name_follows(admin_client, db):
    from django.urls import reverse

    place = places.make_place(places.PlaceRow("Old Name", Place.Kind.STREET, 51.5, -0.1))
    place.save()

    response = admin_client.post(
        reverse("admin:places_place_change", args=[place.pk]),
        {"name": "Rue Neuve", "kind": "street", "lat": "51.5", "lon": "-0.1", "ref": ""},
    )

    assert response.status_code == 302
    assert names("rue neu") == ["Rue Neuve"]
