"""Reference data the sample is drawn from: countries, currencies, name parts, pick-lists.

Every string here is Windows-1252 encodable, because the LMS export is written in that code page.
"""

from __future__ import annotations

# ISO2 -> (ISO3, English name, other spellings seen in the wild, home currency, web TLD, legal forms)
COUNTRIES: dict[str, tuple[str, str, tuple[str, ...], str, str, tuple[str, ...]]] = {
    "US": ("USA", "United States", ("USA", "U.S.A.", "United States of America"), "USD", "com", ("Inc.", "LLC", "Corp.")),
    "CA": ("CAN", "Canada", (), "CAD", "ca", ("Inc.", "Ltd.", "Corp.")),
    "GB": ("GBR", "United Kingdom", ("UK", "Great Britain", "England"), "GBP", "co.uk", ("Ltd", "Limited", "PLC")),
    "DE": ("DEU", "Germany", ("Deutschland",), "EUR", "de", ("GmbH", "AG", "GmbH & Co. KG")),
    "FR": ("FRA", "France", (), "EUR", "fr", ("SARL", "SAS", "SA")),
    "NL": ("NLD", "Netherlands", ("Nederland",), "EUR", "nl", ("B.V.", "N.V.")),
    "ES": ("ESP", "Spain", ("España",), "EUR", "es", ("S.L.", "S.A.")),
    "IT": ("ITA", "Italy", ("Italia",), "EUR", "it", ("S.r.l.", "S.p.A.")),
    "SE": ("SWE", "Sweden", ("Sverige",), "SEK", "se", ("AB",)),
    "CH": ("CHE", "Switzerland", ("Schweiz", "Suisse"), "CHF", "ch", ("AG", "GmbH", "SA")),
    "AT": ("AUT", "Austria", ("Österreich",), "EUR", "at", ("GmbH", "AG")),
    "BE": ("BEL", "Belgium", ("België", "Belgique"), "EUR", "be", ("BV", "NV", "SRL")),
    "IE": ("IRL", "Ireland", (), "EUR", "ie", ("Ltd", "DAC")),
    "AU": ("AUS", "Australia", (), "AUD", "com.au", ("Pty Ltd",)),
    "JP": ("JPN", "Japan", (), "JPY", "co.jp", ("K.K.", "Co., Ltd.")),
    "SG": ("SGP", "Singapore", (), "SGD", "com.sg", ("Pte. Ltd.",)),
    "IN": ("IND", "India", (), "INR", "co.in", ("Pvt. Ltd.", "Ltd.")),
    "BR": ("BRA", "Brazil", ("Brasil",), "BRL", "com.br", ("Ltda.", "S.A.")),
    "MX": ("MEX", "Mexico", ("México",), "MXN", "com.mx", ("S.A. de C.V.", "S. de R.L.")),
    "ZA": ("ZAF", "South Africa", (), "ZAR", "co.za", ("(Pty) Ltd",)),
}
COUNTRY_CODES = list(COUNTRIES)
COUNTRY_WEIGHTS = [22, 5, 10, 10, 7, 5, 4, 4, 3, 3, 2, 2, 2, 4, 4, 2, 4, 3, 2, 2]
# A neighbour to report when finance books a partner under another country (a conflict we inject).
NEIGHBOUR = {"US": "CA", "CA": "US", "GB": "IE", "IE": "GB", "DE": "AT", "AT": "DE", "CH": "DE", "FR": "BE",
             "BE": "NL", "NL": "BE", "ES": "IT", "IT": "ES", "SE": "DE", "AU": "SG", "SG": "AU", "JP": "SG",
             "IN": "SG", "BR": "MX", "MX": "US", "ZA": "GB"}

# Code -> (rough units per USD, symbol or None, English name or None)
CURRENCIES: dict[str, tuple[float, str | None, str | None]] = {
    "USD": (1.0, "$", "US Dollar"), "EUR": (0.92, "€", "Euro"), "GBP": (0.79, "£", None),
    "JPY": (150.0, "¥", None), "AUD": (1.5, None, None), "CAD": (1.36, None, None), "CHF": (0.88, None, None),
    "SEK": (10.5, None, None), "INR": (83.0, None, None), "BRL": (5.0, None, None), "SGD": (1.34, None, None),
    "MXN": (17.0, None, None), "ZAR": (18.5, None, None),
}

PARTNER_TYPES = ["Reseller", "Distributor", "Agent", "Referral", "Technology", "MSP"]
PARTNER_TYPE_WEIGHTS = [35, 5, 10, 20, 15, 15]
TIERS = ["Registered", "Silver", "Gold", "Platinum"]
TIER_WEIGHTS = [40, 30, 20, 10]
CRM_PARTNER_ACCOUNT_TYPE = {"Reseller": "Reseller", "MSP": "Reseller", "Distributor": "Distributor"}
OPPORTUNITY_ROLE = {"Reseller": "Reseller", "MSP": "Reseller", "Distributor": "Distributor", "Agent": "Referral",
                    "Referral": "Referral", "Technology": "System Integrator"}
PARTNER_ROLES = ["Reseller", "Distributor", "Influencer", "Referral", "System Integrator"]

OPEN_STAGES = [("Prospecting", 10), ("Qualification", 10), ("Needs Analysis", 20), ("Value Proposition", 50),
               ("Id. Decision Makers", 60), ("Perception Analysis", 70), ("Proposal/Price Quote", 75),
               ("Negotiation/Review", 90)]
LEAD_SOURCES = ["Web", "Phone Inquiry", "Purchased List", "Other", "Advertisement", "Employee Referral",
                "External Referral", "Trade Show"]
PARTNER_REFERRAL = "Partner Referral"
INDUSTRIES = ["Technology", "Manufacturing", "Finance", "Healthcare", "Retail", "Education", "Government",
              "Telecommunications", "Energy", "Consulting", "Media", "Transportation"]
PRODUCTS = ["Platform", "Analytics Suite", "Security Add-on", "Support Renewal", "Cloud Migration",
            "Enterprise License", "Managed Services", "Training Pack", "Expansion", "Upgrade"]

VENDOR_DOMAIN = "lumenfield.com"
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "gmx.de", "web.de"]
USER_ROLES = ["Channel Account Manager"] * 6 + ["Partner Program Manager", "Sales Rep", "Sales Manager",
                                                "Sales Operations"]
JOB_TITLES = ["Sales Engineer", "Account Executive", "Presales Consultant", "Technical Architect",
              "Support Engineer", "Marketing Manager", "Managing Director", "Project Manager", "Consultant", ""]

# Partner company names: <stem> <word> <legal form>; stems mix plain English and accented European names.
STEM_HEADS = ["Acme", "North", "Blue", "Silver", "Iron", "Bright", "Clear", "Swift", "Stone", "Red", "Green",
              "Sun", "Star", "Cloud", "Data", "Net", "Core", "Peak", "Cedar", "Oak", "Pine", "River", "Lake",
              "Harbor", "Summit", "Vertex", "Nova", "Orion", "Helix", "Quantum", "Polar", "Zen", "Atlas",
              "Falcon", "Eagle", "Wolf", "Bear", "Lion", "Fox", "Crystal", "Golden", "Crimson", "Apex", "Prime",
              "Alpha", "Delta", "Sigma", "Omega", "Terra", "Aqua"]
STEM_TAILS = ["wave", "wind", "gate", "field", "bridge", "point", "line", "stream", "works", "forge", "path",
              "rock", "light", "view", "ridge", "port", "shore", "vale", "crest", "mark", "wise", "soft", "tek",
              "ware", "logic", "byte", "sys", "net", "base", "hub"]
SURNAME_STEMS = ["Müller", "Schäfer", "Weiß", "Köhler", "Krüger", "Groß", "Bäcker", "Strauß", "Jäger", "Böhm",
                 "Lefèvre", "Mercier", "Bérard", "Gérard", "Rivière", "Fontaine", "Château", "Dubois",
                 "Öberg", "Åkesson", "Sjöberg", "Lindström", "Bjørn", "Søndergaard", "Núñez", "Peña",
                 "Ibáñez", "Castaño", "Gonçalves", "Araújo", "Simões", "Conceição", "Ferrari", "Bianchi",
                 "Colombo", "Hernández", "Jiménez", "Van Dijk", "De Smet", "O'Brien", "Tanaka", "Sato",
                 "Sharma", "Mehta", "Naidoo", "Tan", "Wong", "Lim", "Kelly", "Murphy"]
COMPANY_WORDS = ["Systems", "Solutions", "IT", "Networks", "Data", "Cloud", "Technologies", "Consulting",
                 "Digital", "Software", "Informatik", "Systemhaus", "Services", "Tech", "Integration", "Security",
                 "Analytics", "Partners", "Group", "Infotech", "Computing", "Telecom", "Datentechnik",
                 "Informatique", "Sistemas"]
CUSTOMER_WORDS = ["Manufacturing", "Logistics", "Foods", "Bank", "Insurance", "Hospital", "Retail", "Energy",
                  "Pharma", "Motors", "Airlines", "University", "Holdings", "Textiles", "Chemicals", "Media"]

FIRST_NAMES = ["José", "Zoë", "Jürgen", "Björn", "Søren", "François", "Hélène", "Jörg", "Agnès", "Léa", "Maël",
               "Günther", "Renée", "Åsa", "Øystein", "Inés", "Raúl", "Ana", "João", "Márcia", "Chloé", "Noémie",
               "John", "Mary", "David", "Sarah", "Michael", "Laura", "James", "Emma", "Daniel", "Olivia",
               "Priya", "Rahul", "Yuki", "Haruto", "Wei", "Mei", "Thabo", "Naledi", "Liam", "Aoife"]
LAST_NAMES = ["Müller", "Schröder", "Weiß", "Groß", "Strauß", "Øvergaard", "García", "Muñoz", "Dubois",
              "Lefèvre", "Rossi", "Smith", "Johnson", "Brown", "Tanaka", "Sato", "Patel", "Sharma", "Silva",
              "Gonçalves", "Hernández", "van der Berg", "De Smet", "O'Brien", "Nakamura", "Lindström",
              "Nguyen", "Naidoo", "Dlamini", "Tan", "Lim", "Fischer", "Wagner", "Bernard", "Martin", "Jansen",
              "Andersson", "Ferrari", "Kelly", "Wilson"]
# ASCII forms for e-mail addresses and web domains.
TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "é": "e",
                          "è": "e", "ê": "e", "ë": "e", "É": "E", "à": "a", "á": "a", "â": "a", "ã": "a",
                          "å": "a", "Å": "A", "ç": "c", "í": "i", "ï": "i", "ñ": "n", "ó": "o", "ô": "o",
                          "õ": "o", "ø": "o", "Ø": "O", "ú": "u", "û": "u", "ÿ": "y"})

# LMS catalogue: (title, type, certification code or None, hours)
CERTIFICATIONS = {"LSA": "Lumenfield Sales Associate", "LPS": "Lumenfield Presales Specialist",
                  "LTS": "Lumenfield Technical Specialist", "LIA": "Lumenfield Implementation Architect",
                  "LMS": "Lumenfield Managed Services Expert", "LSE": "Lumenfield Security Engineer"}
COURSE_TOPICS = ["Platform Fundamentals", "Selling the Platform", "Pricing and Licensing", "Deal Registration",
                 "Analytics Deep Dive", "Security Essentials", "Cloud Migration", "Managed Services Playbook",
                 "Integration Patterns", "Troubleshooting", "Administration", "Partner Portal Tour",
                 "Competitive Positioning", "Demo Skills", "Customer Success"]
COURSE_TYPES = ["e-learning", "classroom", "webinar"]

MDF_ACTIVITIES = ["Event", "Webinar", "Digital Campaign", "Trade Show", "Training", "Content Syndication"]
PORTAL_EVENTS = ["login", "content_download", "deal_registration_view", "training_launch"]
PORTAL_EVENT_WEIGHTS = [50, 25, 15, 10]
CAMPAIGN_CHANNELS = ["email", "webinar", "event", "paid_social", "content"]
MEMBER_STATUSES = ["sent", "opened", "clicked", "registered", "attended", "responded"]
MARKETING_LEAD_SOURCES = ["Website", "Webinar", "Event", "Paid Social", "Content Syndication", "Organic Search"]
PHONE_PREFIX = {"US": "+1", "CA": "+1", "GB": "+44", "DE": "+49", "FR": "+33", "NL": "+31", "ES": "+34",
                "IT": "+39", "SE": "+46", "CH": "+41", "AT": "+43", "BE": "+32", "IE": "+353", "AU": "+61",
                "JP": "+81", "SG": "+65", "IN": "+91", "BR": "+55", "MX": "+52", "ZA": "+27"}
