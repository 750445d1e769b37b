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
# Source of the brand names: FDA, Drugs@FDA and the Orange Book (approved and discontinued
# products by active ingredient: isotretinoin, doxycycline hyclate/monohydrate, tramadol
# hydrochloride), read 2026-11; public domain (US government work). The conditions are the
# FDA labels' indications in patients' words (label "Indications and Usage" sections).
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

# Real package NDCs from the FDA NDC Directory (snapshot 2019-04-29, the slice in
# prescriptions/dispensing/ndc_data/): each pack holds 30 capsules (3 blisters of 10); the
# three NDC layouts appear (4-4-2 here, 5-3-2 doxycycline, 5-4-1 tramadol). Several NDCs
# for one product: any of them is the right pack at fill.
ISOTRETINOIN_NDCS = {
    10: "0555-1054-86, 0378-6611-93",  # Claravis (Teva), Amnesteem (Mylan)
    20: "0555-1055-86, 0378-6612-93",
    30: "0555-1056-86",
    40: "0555-1057-86, 0378-6614-93",
}

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
                "ndc": ISOTRETINOIN_NDCS[mg],
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
            "ndc": "10544-060-28",
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
            "ndc": "50090-0806-0",
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

# --- The same information in Spanish (issue 24) -------------------------------------------------
# Written for patients in US Spanish from the English above (itself from the FDA labelling and
# Medication Guides); general information, not medical advice. Medication Guides in Spanish: the
# FDA's Medication Guides page lists the English guides; we know of no FDA-published Spanish
# Medication Guide for these medicines, so MEDICATION_GUIDES_ES is empty and the product page
# links the English guide and says so (shop/storefront/templatetags/pharmacy_tags.py). A
# pharmacy that has the address of a Spanish guide enters it as "medication_guide_url_es".
MEDICATION_GUIDES_ES = ""

ISOTRETINOIN_INFO_ES = {
    "boxed_warning": (
        "<p><strong>La isotretinoína puede causar defectos de nacimiento graves que ponen en riesgo "
        "la vida.</strong> No la debe tomar ninguna persona que esté embarazada o que pueda quedar "
        "embarazada durante el tratamiento o en el mes siguiente. Una sola dosis puede dañar al bebé "
        "en gestación, y también aumenta el riesgo de aborto espontáneo y de parto prematuro.</p>"
        "<p>Por este riesgo, la isotretinoína solo se consigue por medio de un programa restringido "
        "de la FDA, el <strong>iPLEDGE REMS</strong>. Su médico, usted y nuestra farmacia deben estar "
        "inscritos. Las pacientes que pueden quedar embarazadas deben usar dos métodos "
        "anticonceptivos (o comprometerse a la abstinencia) y tener pruebas de embarazo negativas "
        "antes del tratamiento y cada mes. No done sangre durante el tratamiento ni durante el mes "
        "siguiente a la última dosis. No comparta sus cápsulas con nadie.</p>"
    ),
    "how_it_works": (
        "<p>La isotretinoína es un retinoide, un medicamento relacionado con la vitamina A. Actúa a "
        "la vez sobre todas las causas principales del acné:</p><ul>"
        "<li>reduce el tamaño de las glándulas de grasa (sebáceas) y disminuye mucho la cantidad de "
        "grasa (sebo) que produce la piel;</li>"
        "<li>normaliza la renovación de las células de la piel dentro del folículo piloso, de modo "
        "que se tapan menos poros;</li>"
        "<li>reduce la inflamación en los folículos y a su alrededor;</li>"
        "<li>al secar el folículo, limita el crecimiento de la bacteria del acné "
        "(<em>Cutibacterium acnes</em>, antes llamada <em>Propionibacterium acnes</em>).</li></ul>"
    ),
    "uses": (
        "<p>La isotretinoína está aprobada para el <strong>acné nodular (quístico) grave</strong> que "
        "no ha mejorado con otros tratamientos, incluidos los antibióticos por vía oral. Los "
        "dermatólogos también la usan para el acné que vuelve una y otra vez después de los "
        "antibióticos, el peróxido de benzoilo y los retinoides de uso tópico, y para el acné que "
        "está dejando cicatrices, para evitar más cicatrices.</p>"
    ),
    "not_for_you": (
        "<ul><li>Está embarazada, planea un embarazo o podría quedar embarazada y no puede cumplir "
        "los requisitos de anticoncepción y pruebas de iPLEDGE.</li>"
        "<li>Está amamantando.</li>"
        "<li>Tiene menos de 12 años.</li>"
        "<li>Es alérgico a la isotretinoína, a los medicamentos con vitamina A o a algún ingrediente "
        "de la cápsula (algunas marcas contienen aceite de soya o parabenos).</li>"
        "<li>Toma un antibiótico del grupo de las tetraciclinas (como doxiciclina o minociclina) o "
        "suplementos de vitamina A: juntos pueden aumentar la presión alrededor del cerebro.</li></ul>"
        "<p>Dígale a su médico si ha tenido depresión u otros problemas de salud mental, diabetes, "
        "enfermedad del hígado, colesterol o triglicéridos altos, o un trastorno de la alimentación.</p>"
    ),
    "benefits": (
        "<p>La isotretinoína es el tratamiento para el acné más eficaz que existe. Muchos pacientes "
        "tienen la piel limpia o casi limpia al terminar un tratamiento, y muchos siguen así durante "
        "años; algunos necesitan un segundo tratamiento. Menos brotes también significan menos "
        "cicatrices nuevas.</p>"
    ),
    "side_effects": (
        "<p><strong>Frecuentes:</strong> labios secos y agrietados; sequedad de la piel, los ojos, la "
        "boca y la nariz (a veces sangrado por la nariz); sensibilidad al sol; dolores musculares y de "
        "las articulaciones; dolor de cabeza; un empeoramiento pasajero del acné en las primeras "
        "semanas.</p>"
        "<p><strong>Graves, y que se detectan en análisis de sangre:</strong> aumento de los "
        "triglicéridos y del colesterol; aumento de las enzimas del hígado; en raras ocasiones, "
        "inflamación del páncreas.</p>"
        "<p><strong>Deje de tomarla y llame a su médico de inmediato si tiene:</strong> ánimo bajo, "
        "tristeza, episodios de llanto, pérdida de interés, irritabilidad, agresividad o "
        "pensamientos de hacerse daño (la isotretinoína se ha relacionado con depresión, psicosis y, "
        "en raras ocasiones, suicidio); dolor de cabeza intenso con visión borrosa, mareo, náuseas o "
        "vómitos; dolor intenso de estómago, de pecho o de intestino, o diarrea con sangre; color "
        "amarillo en la piel o los ojos, u orina oscura; un sarpullido con ampollas, fiebre o piel "
        "que se descama; dificultad para ver de noche, pérdida de audición o zumbido en los oídos; o "
        "señales de una reacción alérgica. Si cree que podría estar embarazada, deje de tomarla y "
        "llame a su médico enseguida.</p>"
        f'<p>Lea la <a href="{MEDICATION_GUIDES}" rel="noopener" hreflang="en">Guía del medicamento</a> '
        "de la FDA (en inglés); nuestro farmacéutico incluye la guía vigente con cada surtido.</p>"
    ),
    "recommendations": (
        "<ul><li>Hágase análisis de sangre antes de empezar y durante el tratamiento, según lo "
        "indique su médico (pruebas del hígado, colesterol y triglicéridos en ayunas; pruebas de "
        "embarazo si puede quedar embarazada).</li>"
        "<li>Evite tomar el sol y las camas de bronceado; use todos los días un protector solar de "
        "amplio espectro SPF 50.</li>"
        "<li>Use una crema humectante sin fragancia y un bálsamo labial varias veces al día.</li>"
        "<li>Evite la depilación con cera, el láser y la dermoabrasión durante el tratamiento y hasta "
        "6 meses después.</li>"
        "<li>Tome las cápsulas con una comida, enteras y con un vaso lleno de agua, a menos que el "
        "folleto de su marca indique otra cosa.</li>"
        "<li>No falte a sus citas de control mensuales: cada mes se necesita una receta nueva.</li></ul>"
    ),
    "faq": (
        "<dl>"
        "<dt>¿Cuánto tarda en hacer efecto?</dt><dd>La mayoría de las personas nota una mejoría en "
        "unas semanas; el acné puede empeorar en las primeras semanas. El efecto completo suele "
        "verse a los 4 a 6 meses; un tratamiento suele durar de 15 a 20 semanas.</dd>"
        "<dt>¿Sirve para otras afecciones?</dt><dd>A veces los médicos la usan para otras afecciones "
        "de la piel (como la rosácea), pero solo fuera de las indicaciones aprobadas y bajo el "
        "cuidado de un dermatólogo.</dd>"
        "<dt>¿Puedo tomarla por mucho tiempo?</dt><dd>No: es un tratamiento de duración limitada, con "
        "controles. A veces se necesita un segundo tratamiento, y lo decide su dermatólogo.</dd>"
        "<dt>¿Por qué necesitan mi receta?</dt><dd>La isotretinoína es un medicamento que solo se "
        "vende con receta. La ley de EE. UU. y el programa iPLEDGE solo nos permiten surtirla con "
        "una receta válida que haya revisado nuestro farmacéutico con licencia. Los sitios que la "
        "venden “sin receta” operan de forma ilegal, y sus productos pueden ser falsos o "
        "peligrosos.</dd>"
        "<dt>¿Qué es iPLEDGE y qué tengo que hacer cada mes?</dt><dd>iPLEDGE es el programa de "
        "seguridad de la FDA para la isotretinoína. Cada mes usted ve a su médico, que confirma la "
        "orientación que le dio; si puede quedar embarazada, se hace una prueba de embarazo, "
        "confirma sus dos métodos anticonceptivos y responde las preguntas de comprensión en "
        "iPLEDGE. Después, su farmacéutico obtiene una autorización (RMA) de iPLEDGE. Si puede "
        "quedar embarazada, la receta debe surtirse dentro de los 7 días siguientes a la fecha de la "
        "muestra de su prueba de embarazo, así que súbala cuanto antes.</dd>"
        "<dt>¿Cuánto tarda la verificación?</dt><dd>Nuestros farmacéuticos procuran revisar cada "
        "receta en un plazo de 4 horas hábiles. Si necesitamos hablar con su médico, se lo "
        "avisamos.</dd>"
        "</dl>"
    ),
}

DOXYCYCLINE_INFO_ES = {
    "how_it_works": (
        "<p>La doxiciclina es un antibiótico del grupo de las tetraciclinas. Impide que las bacterias "
        "produzcan las proteínas que necesitan para crecer; en el acné también calma la "
        "inflamación.</p>"
    ),
    "uses": (
        "<p>Infecciones bacterianas como las del pecho y los senos paranasales, algunas infecciones "
        "de transmisión sexual, la enfermedad de Lyme en su etapa inicial y el acné inflamatorio "
        "moderado a grave (junto con un tratamiento tópico). También se usa para prevenir la malaria "
        "en los viajes.</p>"
    ),
    "not_for_you": (
        "<ul><li>Embarazo o lactancia (puede afectar los dientes y los huesos del bebé).</li>"
        "<li>Niños menores de 8 años, salvo en infecciones graves como el ántrax o la fiebre "
        "maculosa de las Montañas Rocosas.</li>"
        "<li>Alergia a cualquier tetraciclina.</li>"
        "<li>Si toma isotretinoína o medicamentos con vitamina A.</li></ul>"
    ),
    "benefits": "<p>Eficaz contra muchas bacterias comunes; se toma una o dos veces al día.</p>",
    "side_effects": (
        "<p><strong>Frecuentes:</strong> náuseas, malestar estomacal, quemaduras de sol con más "
        "facilidad.</p>"
        "<p><strong>Llame a su médico si tiene:</strong> diarrea intensa o con sangre (incluso semanas "
        "después de terminar el tratamiento), dolor al tragar, dolor de cabeza intenso con visión "
        "borrosa, o un sarpullido.</p>"
    ),
    "recommendations": (
        "<ul><li>Tráguela con un vaso lleno de agua y permanezca erguido durante 30 minutos para "
        "proteger el esófago.</li>"
        "<li>Tómela con 2 horas de diferencia de los antiácidos y de los suplementos de hierro, "
        "calcio o zinc.</li>"
        "<li>Use protector solar y evite las camas de bronceado.</li>"
        "<li>Termine el tratamiento que le indicó su médico.</li></ul>"
    ),
    "faq": (
        "<dl><dt>¿Puedo tomarla con leche?</dt><dd>Una cantidad pequeña con la comida no hay "
        "problema; evite tomarla al mismo tiempo que suplementos de calcio o antiácidos.</dd>"
        "<dt>¿Por qué necesitan mi receta?</dt><dd>Los antibióticos solo se venden con receta para "
        "que se usen únicamente cuando hacen falta, lo que limita la resistencia a los "
        "antibióticos.</dd></dl>"
    ),
}

TRAMADOL_INFO_ES = {
    "boxed_warning": (
        "<p>El tramadol es un opioide. Conlleva riesgos de adicción, abuso y uso indebido, problemas "
        "respiratorios que ponen en riesgo la vida, ingestión accidental (sobre todo por niños) e "
        "interacciones peligrosas con el alcohol, las benzodiacepinas y otros sedantes.</p>"
    ),
    "how_it_works": "<p>Un analgésico opioide que también actúa sobre la serotonina y la noradrenalina.</p>",
    "uses": "<p>Dolor lo bastante intenso como para necesitar un opioide cuando otros tratamientos no bastan.</p>",
    "faq": (
        "<dl><dt>¿Por qué no puedo comprarlo aquí?</dt><dd>El tramadol es una sustancia controlada "
        "de la Lista IV. Según la Ley Ryan Haight, una farmacia por internet solo puede surtir "
        "sustancias controladas con un registro especial de la DEA, que nosotros no tenemos. Surta "
        "esta receta en una farmacia local.</dd></dl>"
    ),
}

OTC_INFO_ES = {
    "OTC-LIPBALM": {
        "uses": "<p>Calma y protege los labios secos y agrietados, incluida la resequedad que causa la "
        "isotretinoína; el SPF 15 ayuda a prevenir las quemaduras de sol en los labios.</p>",
        "recommendations": "<p>Aplíquelo con frecuencia, y de nuevo después de comer o beber.</p>",
    },
    "OTC-SPF50": {
        "uses": "<p>Ayuda a prevenir las quemaduras de sol; junto con otras medidas de protección solar, "
        "disminuye el riesgo de cáncer de piel y de envejecimiento prematuro de la piel causado por el "
        "sol. Recomendado con la isotretinoína y la doxiciclina, que hacen que la piel se queme con "
        "más facilidad.</p>",
        "recommendations": "<p>Aplíquelo en abundancia 15 minutos antes de exponerse al sol; vuelva a "
        "aplicarlo por lo menos cada 2 horas y después de nadar o sudar.</p>",
    },
    "OTC-MOIST": {
        "uses": "<p>Devuelve la humedad a la piel seca y sensible; no comedogénica, así que no tapa los poros.</p>"
    },
    "OTC-CLEANSER": {
        "uses": "<p>Un limpiador sin jabón que quita la suciedad y la grasa sin resecar la piel; adecuado "
        "durante el tratamiento con isotretinoína.</p>"
    },
}


def spanish_info(upc: str) -> dict[str, str]:
    """The Spanish attributes of the product ``upc``: its sections as ``<code>_es``, and the
    Spanish Medication Guide link when there is one."""
    if upc.startswith("RX-ISO-"):
        sections = ISOTRETINOIN_INFO_ES
    elif upc == "RX-DOXY-100":
        sections = DOXYCYCLINE_INFO_ES
    elif upc == "RX-TRAM-50":
        sections = TRAMADOL_INFO_ES
    else:
        sections = OTC_INFO_ES.get(upc, {})
    values = {f"{code}_es": text for code, text in sections.items()}
    if MEDICATION_GUIDES_ES and upc.startswith("RX-"):
        values["medication_guide_url_es"] = MEDICATION_GUIDES_ES
    return values
