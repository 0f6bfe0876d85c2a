"""The demo city's tables: categories with their questions and targets, ready-made
answers, titles, streets, topics and comments. Plain data (codes as strings), read by
`manage.py seed_demo`."""

from __future__ import annotations


def _values(*pairs: str) -> list[dict]:
    return [{"key": key, "name": name} for key, name in zip(pairs[::2], pairs[1::2], strict=True)]


# Each category's public target, in working days (none for a park bench: no promise).
SERVICE_TARGETS = {
    "pothole": 5,
    "streetlight": 10,
    "graffiti": 10,
    "fly-tipping": 3,
    "fallen-tree": 2,
    "water-leak": 1,
    "blocked-drain": 5,
}

# Every demo authority's ready-made answers: (for the status, title, text).
CANNED_RESPONSES = [
    ("", "Thanks, we are looking", "Thank you for reporting this. We are looking into it."),
    ("acknowledged", "Inspection booked", "An inspector will visit within five working days."),
    ("in_progress", "Crew booked", "A crew is booked to repair this. Thank you for your patience."),
    ("fixed", "Repaired", "Our crew has repaired this. Thank you for letting us know."),
    (
        "closed",
        "Not ours to fix",
        "This is on private land, so we cannot fix it; we told the owner.",
    ),
]

# code, name, group, description, keywords, attributes (code, datatype, required, question, values)
SERVICES = [
    (
        "pothole",
        "Pothole",
        "Roads",
        "A hole or crack in the road surface.",
        "road, hole, crack",
        [
            (
                "depth",
                "singlevaluelist",
                True,
                "How deep is it?",
                _values(
                    "shallow",
                    "Shallower than 5 cm",
                    "deep",
                    "5 to 10 cm",
                    "very-deep",
                    "Deeper than 10 cm",
                ),
            ),
            ("width_cm", "number", False, "About how wide is it, in centimetres?", []),
            ("lane", "string", False, "Which lane or side of the road?", []),
        ],
    ),
    (
        "streetlight",
        "Street light not working",
        "Lighting",
        "A street light that is out, flickering or on by day.",
        "lamp, light, dark",
        [
            ("pole_number", "string", True, "The number on the lamp post", []),
            (
                "fault",
                "singlevaluelist",
                True,
                "What is wrong?",
                _values(
                    "out",
                    "It is off at night",
                    "flickering",
                    "It flickers",
                    "day",
                    "It is on during the day",
                ),
            ),
            ("noticed_at", "datetime", False, "When did you first notice it?", []),
        ],
    ),
    (
        "graffiti",
        "Graffiti",
        "Cleanliness",
        "Graffiti on public property.",
        "paint, tag, vandalism",
        [
            (
                "offensive",
                "singlevaluelist",
                True,
                "Is it offensive?",
                _values("yes", "Yes", "no", "No"),
            ),
            (
                "surfaces",
                "multivaluelist",
                False,
                "Where is it painted?",
                _values("wall", "Wall", "bridge", "Bridge", "sign", "Sign", "bench", "Bench"),
            ),
        ],
    ),
    (
        "fly-tipping",
        "Fly-tipping",
        "Cleanliness",
        "Rubbish dumped illegally.",
        "rubbish, dumping, waste",
        [
            (
                "notice",
                "string",
                False,
                "Please do not touch dumped items: some can be dangerous.",
                [],
            ),
            (
                "items",
                "multivaluelist",
                True,
                "What has been dumped?",
                _values(
                    "bags",
                    "Bin bags",
                    "furniture",
                    "Furniture",
                    "appliances",
                    "Fridge or appliance",
                    "building",
                    "Building rubble",
                    "hazardous",
                    "Chemicals or asbestos",
                ),
            ),
            ("first_seen", "datetime", False, "When did you first see it?", []),
            ("details", "text", False, "Anything else that helps us find or clear it", []),
        ],
    ),
    (
        "fallen-tree",
        "Fallen or dangerous tree",
        "Parks and trees",
        "A tree or branch that is down or about to fall.",
        "tree, branch, storm",
        [
            (
                "blocking",
                "singlevaluelist",
                True,
                "Is it blocking the way?",
                _values(
                    "road",
                    "Blocking the road",
                    "path",
                    "Blocking a footpath",
                    "no",
                    "Not blocking anything",
                ),
            ),
        ],
    ),
    (
        "park-bench",
        "Broken bench or play equipment",
        "Parks and trees",
        "Damaged park furniture or play equipment.",
        "bench, playground, swing",
        [],
    ),
    (
        "water-leak",
        "Water leak",
        "Water",
        "Water leaking from a pipe, hydrant or the road.",
        "leak, pipe, flood",
        [
            (
                "safety",
                "string",
                False,
                "If water is flooding a home or a road, call the emergency line too.",
                [],
            ),
            (
                "severity",
                "singlevaluelist",
                True,
                "How much water?",
                _values("trickle", "A trickle", "steady", "A steady flow", "gushing", "Gushing"),
            ),
        ],
    ),
    (
        "blocked-drain",
        "Blocked drain",
        "Water",
        "A drain or gully that is blocked.",
        "drain, gully, puddle",
        [],
    ),
]

TITLES = {
    "pothole": [
        "Pothole outside number {n}",
        "Deep pothole by the bus stop",
        "Crumbling road surface at the junction",
    ],
    "streetlight": [
        "Street light out on the corner",
        "Lamp post {n} flickering all night",
        "Light on all day",
    ],
    "graffiti": [
        "Graffiti on the underpass wall",
        "Tags sprayed on the bus shelter",
        "Graffiti on the bridge",
    ],
    "fly-tipping": [
        "Mattress dumped in the alley",
        "Bin bags piled by the recycling bank",
        "Old fridge left on the pavement",
    ],
    "fallen-tree": ["Branch hanging over the footpath", "Tree down after the storm"],
    "park-bench": ["Broken slats on the park bench", "Swing chain snapped in the playground"],
    "water-leak": ["Water bubbling up through the road", "Leaking hydrant"],
    "blocked-drain": ["Drain blocked, big puddle every time it rains", "Gully full of leaves"],
}
DESCRIPTIONS = [
    "It has been like this for over a week and is getting worse.",
    "Cyclists are swerving into traffic to avoid it.",
    "Several neighbours have mentioned it. Could someone take a look?",
    "It is dangerous at night, there is no light here.",
    "Noticed it on the way to school this morning.",
    "",
]
STREETS = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "Queen Street",
    "Victoria Road",
    "Riverside Walk",
    "Market Square",
    "Elm Grove",
]
OFFICIAL_NOTES = {
    "acknowledged": "Thank you, we have logged this and an inspector will visit.",
    "in_progress": "A crew is booked to fix this within five working days.",
    "fixed": "Repaired today. Thank you for reporting it.",
    "closed": "Inspected: this is private land, we have written to the owner.",
    "duplicate": "This is already reported nearby; please follow that report.",
}
TOPICS = [
    (
        "idea",
        "A protected cycle lane on Station Road",
        "Station Road is the main way to the schools and the station, and cars pass *very* close. "
        "A protected lane from the roundabout to the station would make it safe for children.",
        [
            "Yes please, I would cycle to work if this existed.",
            "The pavement is wide enough near the shops to do it without losing parking.",
            "Could the lane continue over the bridge? That is the worst bit.",
        ],
    ),
    (
        "question",
        "Who is responsible for the trees along the river path?",
        "Some branches hang low over the river path. Is that the council or the water company?",
        [
            "The trees on the path are the council's; the bank itself belongs to Riverside Water.",
            "Report it as a fallen or dangerous tree and it goes to the right team.",
        ],
    ),
    (
        "info",
        "Road works on the High Street from Monday",
        "The High Street is closed between Church Lane and Mill Road for two weeks while the water "
        "main is replaced. Buses are diverted along Victoria Road.",
        [
            "Thanks for posting. Is the pharmacy still reachable on foot?",
            "Yes, the pavements stay open.",
        ],
    ),
    (
        "idea",
        "Benches and shade in Market Square",
        "Market Square has nowhere to sit. A few benches under trees would help older residents.",
        ["Agreed, and a water fountain too."],
    ),
]
REPORT_COMMENTS = [
    "Same here, I nearly tripped on it yesterday.",
    "It got worse after the rain this week.",
    "I reported this last month too. Glad it is public now.",
    "There is another one a few metres further along.",
    "Thanks for raising it. Following.",
]
OFFICIAL_REPLY = "Thank you all: our inspector has seen the comments and the repair is booked."

STATE_WEIGHTS = [
    ("submitted", 30),
    ("acknowledged", 20),
    ("in_progress", 15),
    ("fixed", 25),
    ("closed", 7),
    ("duplicate", 3),
]
