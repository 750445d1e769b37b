"""The demo catalogue (STOREFRONT.md): isotretinoin, doxycycline, a controlled
substance that is listed but not sold online, and the OTC companions.

The drug information is written for patients from the FDA labelling and the
Medication Guides; it is general information, not medical advice. NDCs here are
demo values in the 5-4-2 format, not real product codes.
"""

from __future__ import annotations

from decimal import Decimal

MEDICATION_GUIDES = "https://www.fda.gov/drugs/drug-safety-and-availability/medication-guides"

ISOTRETINOIN_INFO = {
    "boxed_warning": (
        "<p><strong>Isotretinoin can cause severe, life-threatening birth defects.</strong> "
        "It must not be taken by anyone who is pregnant or may become pregnant during "
        "treatment or in the month after it. Even one dose can harm an unborn baby, and it "
        "also raises the risk of miscarriage and premature birth.</p>"
        "<p>Because of this risk, isotretinoin is available only through a restricted FDA "
        "programme, the <strong>iPLEDGE REMS</strong>. Your prescriber, you and our pharmacy "
        "must all be registered. Patients who can get pregnant must use two forms of "
        "contraception (or commit to abstinence) and have negative pregnancy tests before "
        "treatment and every month. Do not donate blood during treatment and for one month "
        "after the last dose. Do not share your capsules with anyone.</p>"
    ),
    "how_it_works": (
        "<p>Isotretinoin is a retinoid, a medicine related to vitamin A. It works on all the "
        "main causes of acne at once:</p><ul>"
        "<li>it shrinks the oil (sebaceous) glands and greatly reduces the amount of oil (sebum) the skin makes;</li>"
        "<li>it normalises the shedding of skin cells inside the hair follicle, so fewer pores become clogged;</li>"
        "<li>it reduces inflammation in and around the follicles;</li>"
        "<li>by drying out the follicle it limits the growth of acne bacteria "
        "(<em>Cutibacterium acnes</em>, formerly <em>Propionibacterium acnes</em>).</li></ul>"
    ),
    "uses": (
        "<p>Isotretinoin is approved for <strong>severe nodular (cystic) acne</strong> that has not "
        "responded to other treatment, including oral antibiotics. Dermatologists also use it for "
        "acne that keeps coming back after antibiotics, benzoyl peroxide and topical retinoids, and "
        "for acne that is causing scars, to prevent further scarring.</p>"
    ),
    "not_for_you": (
        "<ul><li>You are pregnant, planning a pregnancy, or could become pregnant and cannot follow "
        "the iPLEDGE contraception and testing requirements.</li>"
        "<li>You are breastfeeding.</li>"
        "<li>You are under 12 years old.</li>"
        "<li>You are allergic to isotretinoin, vitamin A medicines or an ingredient of the capsule "
        "(some brands contain soybean oil or parabens).</li>"
        "<li>You take a tetracycline antibiotic (such as doxycycline or minocycline) or vitamin A "
        "supplements: together they can raise the pressure around the brain.</li></ul>"
        "<p>Tell your prescriber if you have had depression or other mental health problems, "
        "diabetes, liver disease, high cholesterol or triglycerides, or an eating disorder.</p>"
    ),
    "benefits": (
        "<p>Isotretinoin is the most effective acne treatment available. Many patients have clear or "
        "nearly clear skin by the end of one course, and many stay clear for years afterwards; some "
        "need a second course. Fewer breakouts also mean less new scarring.</p>"
    ),
    "side_effects": (
        "<p><strong>Common:</strong> dry, cracked lips; dry skin, eyes, mouth and nose (sometimes "
        "nosebleeds); sensitivity to the sun; muscle and joint aches; headache; a temporary flare of "
        "acne in the first weeks.</p>"
        "<p><strong>Serious, and found in blood tests:</strong> raised triglycerides and cholesterol; "
        "raised liver enzymes; rarely, inflammation of the pancreas.</p>"
        "<p><strong>Call your doctor straight away, and stop taking it, if you have:</strong> low mood, "
        "sadness, crying spells, loss of interest, irritability, aggression or thoughts of hurting "
        "yourself (isotretinoin has been linked to depression, psychosis and, rarely, suicide); a "
        "severe headache with blurred vision, dizziness, nausea or vomiting; severe stomach, chest or "
        "bowel pain, or bloody diarrhoea; yellowing of skin or eyes, or dark urine; a rash with "
        "blisters, fever or peeling skin; trouble seeing at night, hearing loss or ringing in the "
        "ears; or signs of an allergic reaction. If you think you may be pregnant, stop taking it and "
        "call your prescriber at once.</p>"
        f'<p>Read the FDA <a href="{MEDICATION_GUIDES}" rel="noopener">Medication Guide</a>; our '
        "pharmacist includes the current guide with every fill.</p>"
    ),
    "recommendations": (
        "<ul><li>Blood tests before you start and during treatment, as your prescriber orders "
        "(liver tests, fasting cholesterol and triglycerides; pregnancy tests if you can get pregnant).</li>"
        "<li>Avoid sunbathing and tanning beds; use a broad-spectrum SPF 50 sunscreen every day.</li>"
        "<li>Use a fragrance-free moisturiser and a lip balm several times a day.</li>"
        "<li>Avoid waxing, laser and dermabrasion during treatment and for 6 months after.</li>"
        "<li>Take the capsules with a meal, swallowed whole with a full glass of water, unless your "
        "brand's leaflet says otherwise.</li>"
        "<li>Keep your monthly follow-up visits: each month needs a new prescription.</li></ul>"
    ),
    "faq": (
        "<dl>"
        "<dt>How long until it works?</dt><dd>Most people notice improvement within several weeks; "
        "acne can get worse in the first weeks. The full effect usually shows after 4 to 6 months; a "
        "course usually lasts 15 to 20 weeks.</dd>"
        "<dt>Can it treat other conditions?</dt><dd>Doctors sometimes use it for other skin "
        "conditions (such as rosacea), but only off-label and under a dermatologist's care.</dd>"
        "<dt>Can I take it long term?</dt><dd>No: it is a finite course with monitoring. A second "
        "course is sometimes needed and is decided by your dermatologist.</dd>"
        "<dt>Why do you need my prescription?</dt><dd>Isotretinoin is a prescription-only medicine. "
        "US law and the iPLEDGE programme allow us to dispense it only against a valid prescription "
        "that our licensed pharmacist has checked. Sites that sell it \u201cwithout a prescription\u201d "
        "are operating illegally and their products may be fake or unsafe.</dd>"
        "<dt>What is iPLEDGE and what do I need to do each month?</dt><dd>iPLEDGE is the FDA "
        "safety programme for isotretinoin. Each month you see your prescriber, who confirms your "
        "counselling; if you can get pregnant you have a pregnancy test and confirm your two forms "
        "of contraception and answer the comprehension questions in iPLEDGE. Your pharmacist then "
        "gets an authorisation (RMA) from iPLEDGE. If you can get pregnant, the prescription must be "
        "filled within 7 days of your pregnancy test specimen date, so upload it promptly.</dd>"
        "<dt>How long does verification take?</dt><dd>Our pharmacists aim to review every "
        "prescription within 4 business hours. If we need to speak to your prescriber we tell you.</dd>"
        "</dl>"
    ),
}

DOXYCYCLINE_INFO = {
    "how_it_works": (
        "<p>Doxycycline is a tetracycline antibiotic. It stops bacteria from making the proteins "
        "they need to grow; in acne it also calms inflammation.</p>"
    ),
    "uses": (
        "<p>Bacterial infections such as chest and sinus infections, some sexually transmitted "
        "infections, early Lyme disease, and moderate to severe inflammatory acne (with a topical "
        "treatment). It is also used to prevent malaria when travelling.</p>"
    ),
    "not_for_you": (
        "<ul><li>Pregnancy or breastfeeding (it can affect a baby's teeth and bones).</li>"
        "<li>Children under 8, except for serious infections such as anthrax or Rocky Mountain spotted fever.</li>"
        "<li>Allergy to any tetracycline.</li>"
        "<li>Taking isotretinoin or vitamin A medicines.</li></ul>"
    ),
    "benefits": "<p>Effective against many common bacteria; once- or twice-daily dosing.</p>",
    "side_effects": (
        "<p><strong>Common:</strong> nausea, upset stomach, sunburn more easily.</p>"
        "<p><strong>Call your doctor if you have:</strong> severe or bloody diarrhoea (even weeks "
        "after finishing), pain when swallowing, a severe headache with blurred vision, or a rash.</p>"
    ),
    "recommendations": (
        "<ul><li>Swallow with a full glass of water and stay upright for 30 minutes to protect your gullet.</li>"
        "<li>Take 2 hours apart from antacids, iron, calcium or zinc supplements.</li>"
        "<li>Use sunscreen and avoid tanning beds.</li>"
        "<li>Finish the course your prescriber gave you.</li></ul>"
    ),
    "faq": (
        "<dl><dt>Can I take it with milk?</dt><dd>Small amounts with food are fine; avoid taking it "
        "at the same time as calcium supplements or antacids.</dd>"
        "<dt>Why do you need my prescription?</dt><dd>Antibiotics are prescription-only so that "
        "they are used only when needed, which limits resistance.</dd></dl>"
    ),
}

TRAMADOL_INFO = {
    "boxed_warning": (
        "<p>Tramadol is an opioid. It carries risks of addiction, abuse and misuse, life-threatening "
        "breathing problems, accidental ingestion (especially by children), and dangerous "
        "interactions with alcohol, benzodiazepines and other sedatives.</p>"
    ),
    "how_it_works": "<p>An opioid pain reliever that also affects serotonin and noradrenaline.</p>",
    "uses": "<p>Pain severe enough to need an opioid when other treatments are not enough.</p>",
    "faq": (
        "<dl><dt>Why can't I buy it here?</dt><dd>Tramadol is a Schedule IV controlled substance. "
        "Under the Ryan Haight Act an online pharmacy may dispense controlled substances only with "
        "a special DEA registration, which we do not hold. Please fill this prescription at a local "
        "pharmacy.</dd></dl>"
    ),
}

# What patients type for each drug (the ``search_terms`` attribute): US brand names the
# same medicine is or was sold under, and the conditions it treats. Searched, never shown:
# the product is listed under its generic name, and we do not sell these brands as such.
ISOTRETINOIN_SEARCH_TERMS = (
    "Accutane, Absorica, Absorica LD, Amnesteem, Claravis, Myorisan, Zenatane, "
    "Sotret, isotretinoine, 13-cis-retinoic acid, acne, severe acne, cystic acne, "
    "nodular acne"
)
DOXYCYCLINE_SEARCH_TERMS = (
    "Vibramycin, Vibra-Tabs, Doryx, Acticlate, Targadox, Monodox, doxy, "
    "antibiotic, acne, rosacea, Lyme disease, malaria prevention"
)
TRAMADOL_SEARCH_TERMS = "Ultram, ConZip, pain, pain relief, opioid"

RX = "prescription-medicine"
OTC = "over-the-counter"

# (upc, title, class, category path, price, stock, attributes, info sections)
PRODUCTS = [
    *[
        (
            f"RX-ISO-{mg:02d}",
            f"Isotretinoin {mg} mg capsules (30)",
            RX,
            "Prescription medicines > Acne",
            Decimal(price),
            200,
            {
                "requires_prescription": True,
                "programme": "ipledge",
                "active_ingredient": "Isotretinoin",
                "ingredient_codes": "6064",
                "strength": f"{mg} mg",
                "dosage_form": "Capsule",
                "pack_size": 30,
                "ndc": f"99999-01{mg:02d}-30",
                "minimum_age": 12,
                "search_terms": ISOTRETINOIN_SEARCH_TERMS,
            },
            ISOTRETINOIN_INFO,
        )
        for mg, price in ((10, "129.00"), (20, "149.00"), (30, "169.00"), (40, "189.00"))
    ],
    (
        "RX-DOXY-100",
        "Doxycycline hyclate 100 mg capsules (28)",
        RX,
        "Prescription medicines > Antibiotics",
        Decimal("24.00"),
        300,
        {
            "requires_prescription": True,
            "active_ingredient": "Doxycycline hyclate",
            "ingredient_codes": "3640",
            "strength": "100 mg",
            "dosage_form": "Capsule",
            "pack_size": 28,
            "ndc": "99999-0200-28",
            "search_terms": DOXYCYCLINE_SEARCH_TERMS,
        },
        DOXYCYCLINE_INFO,
    ),
    (
        "RX-TRAM-50",
        "Tramadol hydrochloride 50 mg tablets (30)",
        RX,
        "Prescription medicines > Pain relief",
        Decimal("18.00"),
        100,
        {
            "requires_prescription": True,
            "dea_schedule": 4,
            "active_ingredient": "Tramadol hydrochloride",
            "ingredient_codes": "10689",
            "strength": "50 mg",
            "dosage_form": "Tablet",
            "pack_size": 30,
            "ndc": "99999-0300-30",
            "minimum_age": 18,
            "search_terms": TRAMADOL_SEARCH_TERMS,
        },
        TRAMADOL_INFO,
    ),
    (
        "OTC-LIPBALM",
        "Lip balm SPF 15, fragrance-free (4.5 g)",
        OTC,
        "Skin care",
        Decimal("4.99"),
        500,
        {
            "requires_prescription": False,
            "active_ingredient": "Petrolatum 30%; octinoxate, zinc oxide (sunscreen)",
            "dosage_form": "Lip balm",
            "pack_size": 1,
        },
        {
            "uses": "<p>Soothes and protects dry, cracked lips, including the dryness caused by "
            "isotretinoin; SPF 15 helps prevent sunburn of the lips.</p>",
            "recommendations": "<p>Apply often, and again after eating or drinking.</p>",
        },
    ),
    (
        "OTC-SPF50",
        "Broad-spectrum sunscreen SPF 50, face and body (100 ml)",
        OTC,
        "Skin care",
        Decimal("14.50"),
        500,
        {
            "requires_prescription": False,
            "active_ingredient": "Zinc oxide 12%, octisalate 5%",
            "dosage_form": "Lotion",
            "pack_size": 1,
        },
        {
            "uses": "<p>Helps prevent sunburn; with other sun protection measures, decreases the risk of "
            "skin cancer and early skin ageing caused by the sun. Recommended with "
            "isotretinoin and doxycycline, which make skin burn more easily.</p>",
            "recommendations": "<p>Apply generously 15 minutes before sun exposure; reapply at least "
            "every 2 hours and after swimming or sweating.</p>",
        },
    ),
    (
        "OTC-MOIST",
        "Fragrance-free daily moisturiser (200 ml)",
        OTC,
        "Skin care",
        Decimal("11.99"),
        500,
        {
            "requires_prescription": False,
            "active_ingredient": "Glycerin, ceramides, dimethicone",
            "dosage_form": "Cream",
            "pack_size": 1,
        },
        {"uses": "<p>Restores moisture to dry, sensitive skin; non-comedogenic, so it does not clog pores.</p>"},
    ),
    (
        "OTC-CLEANSER",
        "Gentle hydrating cleanser (236 ml)",
        OTC,
        "Skin care",
        Decimal("9.99"),
        500,
        {
            "requires_prescription": False,
            "active_ingredient": "Glycerin, ceramides",
            "dosage_form": "Cleanser",
            "pack_size": 1,
        },
        {
            "uses": "<p>A soap-free cleanser that removes dirt and oil without stripping the skin; "
            "suitable during isotretinoin treatment.</p>"
        },
    ),
]
