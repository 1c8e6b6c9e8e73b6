"""The portal's starter education pages, written for it in plain language.

Facts come from ../shared/domain/ivig-reference.md (its reference IDs are in brackets in
the comments); nothing is copied from a label or a website. Each page still needs a real
pharmacist's or physician's review before go-live: the seed marks them reviewed so the demo
shows the workflow's end state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REF_SOUAYAH = (
    "Souayah N, et al. A retrospective analysis of the safety profile of home IVIG infusions "
    "(1,176 patients, 28,677 infusions). J Clin Neuromuscul Dis. 2018.",
    "https://journals.lww.com/jcnmd/Abstract/2018/06000/A_Retrospective_Analysis_of_the_Safety_Profile_of.1.aspx",
)
REF_WASSERMAN = (
    "Wasserman RL, et al. Infections in patients with primary immunodeficiency treated with "
    "IVIG at home or in hospital outpatient settings. J Clin Immunol. 2017.",
    "https://link.springer.com/article/10.1007%2Fs10875-017-0371-0",
)
REF_LUTHRA = (
    "Luthra R, et al. An analysis of intravenous immunoglobulin site of care: home versus "
    "outpatient hospital. Am J Pharm Benefits. 2014.",
    "http://www.ajmc.com/publications/ajpb/2014/ajpb_marapr2014/An-Analysis-of-Intravenous-Immunoglobin-Site-of-Care-Home-Versus-Outpatient-Hospital",
)
REF_LE_MASSON = (
    "Le Masson G, et al. Home versus hospital immunoglobulin treatment for autoimmune "
    "neuropathies: a cost minimization analysis. Brain Behav. 2018.",
    "https://ebusca.uv.mx/Record/pubmed-5822576/Description",
)
REF_POLINSKI = (
    "Polinski JM, et al. Home infusion: safe, clinically effective, patient preferred, and "
    "cost saving. Healthcare (Amst). 2017;5:68-80.",
    "https://pubmed.ncbi.nlm.nih.gov/28668202/",
)
REF_RASTEGAR = (
    "Rastegar J, et al. Home versus hospital outpatient IVIG: inpatient and emergency use. "
    "J Am Pharm Assoc. 2023.",
    "https://pubmed.ncbi.nlm.nih.gov/37399927/",
)
REF_WAHEED = (
    "Waheed W, et al. Adverse events of IVIG in neuromuscular patients. Muscle Nerve. 2019.",
    "https://doi.org/10.1002/mus.26678",
)
REF_PRIVIGEN_PI = (
    "Privigen (immune globulin intravenous 10%) prescribing information: warnings and "
    "adverse reactions.",
    "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=7e5649da-75be-4a42-8eeb-4aeba562c401",
)
REF_GAMMAGARD_CIDP = (
    "Gammagard Liquid: CIDP dosing and administration.",
    "https://www.gammagard.com/hcp/cidp/dosing-administration",
)
REF_GAMMAGARD_MMN = (
    "Gammagard Liquid: MMN dosing and administration.",
    "https://www.gammagard.com/hcp/mmn/dosing-administration",
)
REF_EAN_CIDP = (
    "European Academy of Neurology / Peripheral Nerve Society guideline on CIDP, 2021.",
    "https://experts.umn.edu/en/publications/european-academy-of-neurologyperipheral-nerve-society-guideline-o-2",
)
REF_OCTAGAM_DM = (
    "Octagam 10% prescribing information: dermatomyositis in adults.",
    "https://octagam.com/dosing-and-infusion",
)
REF_MG = (
    "Transfusion Ontario. IVIG in myasthenia gravis: utilization guidance.",
    "https://ivig.transfusionontario.org/?b=sp&sp=2&cn=22&s=",
)
REF_AHA_KAWASAKI = (
    "McCrindle BW, et al. Diagnosis, treatment and long-term management of Kawasaki disease: "
    "AHA scientific statement, 2017 (ACC summary).",
    "https://www.acc.org/latest-in-cardiology/ten-points-to-remember/2017/04/21/11/45/diagnosis-treatment-and-long-term-management-of-kawasaki-disease",
)
REF_GBS = (
    "Privigen summary of product characteristics: regimens for Guillain-Barré syndrome.",
    "https://prdmimsweb.azurewebsites.net/malaysia/drug/info/privigen/dosage",
)
REF_STORAGE = (
    "Cambridge University Hospitals. Storage of immunoglobulins at home.",
    "https://www.cuh.nhs.uk/patient-information/storage-of-immunoglobulins/",
)


@dataclass(frozen=True)
class SeedArticle:
    slug: str
    title: str
    summary: str
    body: str
    topics: tuple[str, ...]
    conditions: tuple[str, ...] = ()
    audience: str = "patient"
    language: str = "en"
    translation_of: str = ""
    references: tuple[tuple[str, str], ...] = field(default=())


TOPICS = {
    "about-ivig": "About IVIG",
    "home-infusion": "Home infusion",
    "conditions": "Conditions",
    "your-infusion": "Your infusion",
    "safety": "Safety",
}

CONDITIONS = {
    "cidp": ("Chronic inflammatory demyelinating polyneuropathy", "CIDP"),
    "guillain-barre-syndrome": ("Guillain-Barré syndrome", "GBS"),
    "multifocal-motor-neuropathy": ("Multifocal motor neuropathy", "MMN"),
    "dermatomyositis-polymyositis": ("Dermatomyositis and polymyositis", "DM/PM"),
    "myasthenia-gravis": ("Myasthenia gravis", "MG"),
    "kawasaki-disease": ("Kawasaki disease", ""),
}

# The clinical core's indication slugs each condition page covers (therapies migration 0002).
CONDITION_INDICATIONS = {
    "cidp": ["cidp"],
    "guillain-barre-syndrome": ["gbs"],
    "multifocal-motor-neuropathy": ["mmn"],
    "dermatomyositis-polymyositis": ["dermatomyositis", "polymyositis"],
    "myasthenia-gravis": ["myasthenia-gravis"],
    "kawasaki-disease": ["kawasaki"],
}

ARTICLES: tuple[SeedArticle, ...] = (
    SeedArticle(
        slug="what-is-ivig",
        title="What IVIG is and how it is made",
        summary=(
            "IVIG is a medicine made of antibodies from the plasma of many healthy donors. "
            "Here is how it is made safe and how it helps the immune system calm down."
        ),
        topics=("about-ivig",),
        body="""
## Antibodies from many donors

Your blood carries **antibodies** (also called immunoglobulins), proteins that help fight
germs. Immunoglobulin given through a vein, **IVIG**, is a medicine made from the antibodies
of thousands of healthy, screened people who donate plasma, the liquid part of blood.

## How it is made

1. Donors are screened, and each donation is tested for viruses.
2. Plasma from many donors is pooled, so the medicine holds a wide range of antibodies.
3. The antibodies are separated and purified, and the product goes through steps that
   remove or inactivate viruses.
4. The result is a clear liquid (or a powder to dissolve) in single-use glass vials, kept
   at the temperature on its label. Some brands must stay in the refrigerator; others may
   be kept at room temperature for a limited time.

Because it comes from human plasma, a very small risk of passing on an infection remains,
even after these steps.

## How it helps

In conditions such as CIDP or myasthenia gravis, the immune system attacks the body's own
nerves or muscles. High doses of donated antibodies help calm that attack. Doctors use IVIG
for a number of nerve and muscle conditions; for some it is approved on the product label,
for others it is a widely accepted use supported by guidelines.

## What a course looks like

Your doctor orders a dose based on your weight. It is often given over several hours a day
for two to five days, and for long-term conditions repeated every few weeks. Your nurse
starts slowly and speeds up the infusion step by step if you feel well.
""",
        references=(REF_PRIVIGEN_PI, REF_GAMMAGARD_CIDP),
    ),
    SeedArticle(
        slug="que-es-ivig",
        title="Qué es la IGIV y cómo se fabrica",
        summary=(
            "La IGIV es un medicamento hecho con anticuerpos del plasma de muchos donantes "
            "sanos. Así se fabrica de forma segura y así ayuda a calmar el sistema inmunitario."
        ),
        topics=("about-ivig",),
        language="es",
        translation_of="what-is-ivig",
        body="""
## Anticuerpos de muchos donantes

La sangre lleva **anticuerpos** (también llamados inmunoglobulinas), proteínas que ayudan a
combatir los gérmenes. La inmunoglobulina que se pone por la vena, la **IGIV**, es un
medicamento hecho con los anticuerpos de miles de personas sanas que donan plasma, la parte
líquida de la sangre.

## Cómo se fabrica

1. Se revisa a cada donante y se analiza cada donación en busca de virus.
2. Se junta el plasma de muchos donantes, para que el medicamento tenga muchos anticuerpos
   distintos.
3. Los anticuerpos se separan y se purifican, y el producto pasa por pasos que eliminan o
   inactivan los virus.
4. El resultado es un líquido transparente (o un polvo para disolver) en frascos de un solo
   uso, guardado a la temperatura que indica la etiqueta.

Como viene de plasma humano, queda un riesgo muy pequeño de transmitir una infección.

## Cómo ayuda

En enfermedades como la CIDP o la miastenia gravis, el sistema inmunitario ataca los propios
nervios o músculos. Las dosis altas de anticuerpos donados ayudan a calmar ese ataque.

## Cómo es un tratamiento

Su médico indica una dosis según su peso. Suele darse durante varias horas al día, de dos a
cinco días, y en enfermedades de larga duración se repite cada pocas semanas. La enfermera
empieza despacio y aumenta la velocidad poco a poco si usted se siente bien.
""",
        references=(REF_PRIVIGEN_PI, REF_GAMMAGARD_CIDP),
    ),
    SeedArticle(
        slug="where-ivig-is-given",
        title="Where IVIG can be given: home, office or infusion suite",
        summary=(
            "IVIG can be given at home, in a doctor's office or in an infusion suite. Studies "
            "of home infusion show fewer infections, lower costs and patients who prefer it."
        ),
        topics=("home-infusion",),
        body="""
## Three places, the same medicine

- **At home.** A specialized infusion nurse comes to you, starts the IV, stays for the whole
  infusion and checks your blood pressure, pulse and temperature as the rate goes up.
- **At your doctor's office.** Some practices give infusions on site; we deliver the
  medicine to them.
- **At an infusion suite.** A clinic set up for infusions, with reclining chairs and nurses
  on hand, for people who prefer not to be treated at home or whose plan asks for it.

Your doctor, your insurance plan and you decide together. Many plans prefer the home or an
office over a hospital outpatient department for repeat infusions.

## What studies of home infusion found

- **Safety.** A review of 13 studies found that people treated at home were no more likely
  to have drug side effects than people treated in a medical setting, and most preferred
  home. In a large U.S. study of 1,176 people who received IVIG at home, most reactions were
  mild.
- **Fewer infections.** In people with immune deficiency, those treated at home had about
  half as many pneumonia and bronchitis episodes per year as those treated in hospital
  outpatient departments.
- **Fewer hospital stays.** A 2023 study found lower odds of a hospital stay or an emergency
  visit for people treated at home.
- **Lower cost.** Studies in the U.S. and France found home treatment cost less per infusion
  and per year, with the same dose of medicine.

## Is home right for me?

Your first infusion, a change of product, or a history of serious reactions may call for a
clinic setting. Your care team will talk this through with you.
""",
        references=(
            REF_POLINSKI,
            REF_SOUAYAH,
            REF_WASSERMAN,
            REF_RASTEGAR,
            REF_LUTHRA,
            REF_LE_MASSON,
        ),
    ),
    SeedArticle(
        slug="donde-se-pone-la-ivig",
        title="Dónde se puede poner la IGIV: en casa, en el consultorio o en un centro",
        summary=(
            "La IGIV se puede poner en casa, en el consultorio médico o en un centro de "
            "infusión. Los estudios sobre la infusión en casa muestran menos infecciones y "
            "menor costo."
        ),
        topics=("home-infusion",),
        language="es",
        translation_of="where-ivig-is-given",
        body="""
## Tres lugares, el mismo medicamento

- **En casa.** Una enfermera especializada va a su casa, coloca la vía, se queda durante
  toda la infusión y controla su presión, pulso y temperatura.
- **En el consultorio de su médico.** Algunos consultorios ponen infusiones; nosotros les
  llevamos el medicamento.
- **En un centro de infusión.** Una clínica preparada para infusiones, con sillones y
  enfermeras.

Su médico, su seguro y usted deciden juntos.

## Lo que encontraron los estudios sobre la infusión en casa

- **Seguridad.** Una revisión de 13 estudios mostró que las personas tratadas en casa no
  tuvieron más efectos secundarios y la mayoría prefería estar en casa.
- **Menos infecciones.** En personas con inmunodeficiencia, las tratadas en casa tuvieron
  cerca de la mitad de neumonías y bronquitis al año.
- **Menos hospitalizaciones.** Un estudio de 2023 encontró menos ingresos y menos visitas a
  urgencias en las personas tratadas en casa.
- **Menor costo.** Estudios en EE. UU. y Francia encontraron un costo menor con la misma
  dosis de medicamento.

## ¿Es la casa lo mejor para mí?

La primera infusión, un cambio de producto o reacciones graves anteriores pueden requerir
una clínica. Su equipo de atención lo hablará con usted.
""",
        references=(REF_POLINSKI, REF_WASSERMAN, REF_RASTEGAR, REF_LUTHRA, REF_LE_MASSON),
    ),
    SeedArticle(
        slug="cidp",
        title="IVIG for CIDP",
        summary=(
            "CIDP is a long-term nerve condition that causes weakness and numbness. IVIG is an "
            "approved treatment; most people start with a loading course, then regular doses."
        ),
        topics=("conditions",),
        conditions=("cidp",),
        body="""
## What CIDP is

In chronic inflammatory demyelinating polyneuropathy, the immune system damages the coating
(myelin) around the nerves in the arms and legs. Weakness, numbness and tiredness build up
over at least two months.

## How IVIG is used

Several IVIG products are approved for CIDP in adults. Treatment usually starts with a
**loading course** of 2 grams per kilogram of body weight, spread over two to five days.
After that, **maintenance** doses are often given every three weeks, although your
neurologist may adjust the dose and the gap between infusions to find the smallest amount
that keeps you strong.

## Checking that it works

Your neurologist will measure your strength and function, usually within the first six
months and then at least once a year, and may try lowering the dose. Insurance plans
usually ask for these results to keep approving treatment.
""",
        references=(REF_GAMMAGARD_CIDP, REF_EAN_CIDP),
    ),
    SeedArticle(
        slug="guillain-barre-syndrome",
        title="IVIG for Guillain-Barré syndrome",
        summary=(
            "Guillain-Barré syndrome is a sudden nerve condition. IVIG is usually given once, "
            "over five days, as early as possible after symptoms start."
        ),
        topics=("conditions",),
        conditions=("guillain-barre-syndrome",),
        body="""
## What Guillain-Barré syndrome is

Guillain-Barré syndrome (GBS) comes on over days, often after an infection. The immune
system attacks the nerves, causing weakness that can spread from the legs upward. It needs
hospital care at the start.

## How IVIG is used

IVIG is commonly given as a **single course**: a total of 2 grams per kilogram, usually split
into five daily doses, best started within about two weeks of the first symptoms. A second
course is not routinely recommended. This use is not on U.S. product labels, but it is
standard practice and most insurance plans cover it.

## After the hospital

Recovery can take months. Our pharmacy may help if your neurologist orders more treatment
after you go home.
""",
        references=(REF_GBS,),
    ),
    SeedArticle(
        slug="multifocal-motor-neuropathy",
        title="IVIG for multifocal motor neuropathy",
        summary=(
            "Multifocal motor neuropathy weakens muscles, often in the hands. One IVIG product "
            "is approved for it, given every two to four weeks."
        ),
        topics=("conditions",),
        conditions=("multifocal-motor-neuropathy",),
        body="""
## What MMN is

Multifocal motor neuropathy affects the nerves that move muscles, often in the hands and
forearms, one side more than the other. Feeling is usually not affected.

## How IVIG is used

IVIG is the main treatment, and one product is approved for MMN in adults. In its studies,
people received between 0.5 and 2.4 grams per kilogram a month, split into infusions every
two to four weeks. Treatment is usually long-term, and the dose is adjusted over time.
""",
        references=(REF_GAMMAGARD_MMN,),
    ),
    SeedArticle(
        slug="dermatomyositis-polymyositis",
        title="IVIG for dermatomyositis and polymyositis",
        summary=(
            "Dermatomyositis causes muscle weakness and a skin rash. One IVIG product is "
            "approved for it in adults, usually given over several days every four weeks."
        ),
        topics=("conditions",),
        conditions=("dermatomyositis-polymyositis",),
        body="""
## What these conditions are

In **dermatomyositis**, the immune system inflames the muscles and the skin, causing
weakness, often in the hips and shoulders, and a typical rash. **Polymyositis** inflames the
muscles without the rash.

## How IVIG is used

One IVIG product is approved for adults with dermatomyositis: 2 grams per kilogram split over
two to five days, repeated every four weeks. It is given more slowly than for some other
conditions. IVIG for polymyositis is an off-label use your doctor may still recommend.
""",
        references=(REF_OCTAGAM_DM,),
    ),
    SeedArticle(
        slug="myasthenia-gravis",
        title="IVIG for myasthenia gravis",
        summary=(
            "Myasthenia gravis causes muscle weakness that worsens with use. IVIG helps during "
            "flare-ups and is sometimes given regularly to keep symptoms under control."
        ),
        topics=("conditions",),
        conditions=("myasthenia-gravis",),
        body="""
## What myasthenia gravis is

In myasthenia gravis, antibodies block the signal between nerves and muscles. Eyelids,
eye movements, swallowing, speech and limbs can tire quickly.

## How IVIG is used

During a serious flare-up, IVIG is often given as 2 grams per kilogram spread over two to
five days. Some people then receive regular maintenance doses every three to four weeks, at
the lowest dose that works. These uses are supported by guidelines but are not on U.S.
product labels.

## When to get help at once

Trouble breathing or swallowing can be a crisis: **call 911**.
""",
        references=(REF_MG, REF_WAHEED),
    ),
    SeedArticle(
        slug="kawasaki-disease",
        title="IVIG for Kawasaki disease",
        summary=(
            "Kawasaki disease affects young children and can harm the heart's arteries. A "
            "single dose of IVIG with aspirin, given in hospital, lowers that risk."
        ),
        topics=("conditions",),
        conditions=("kawasaki-disease",),
        audience="caregiver",
        body="""
## What Kawasaki disease is

Kawasaki disease mostly affects children under five. It causes several days of high fever,
rash, red eyes, red lips and swollen hands or feet, and can damage the arteries of the heart.

## How IVIG is used

Children are treated **in hospital** with one dose of 2 grams per kilogram, given over
about 10 to 12 hours, together with aspirin, ideally within 10 days of the start of the
fever. This treatment is not given at home.

## Afterwards

Vaccines such as measles and chickenpox may work less well for some months after IVIG; ask
your child's doctor when to give them.
""",
        references=(REF_AHA_KAWASAKI,),
    ),
    SeedArticle(
        slug="preparing-for-your-first-infusion",
        title="Preparing for your first infusion",
        summary=(
            "What to do before your first IVIG infusion at home: drink fluids, plan your day, "
            "store the medicine as told, and have your questions ready for the nurse."
        ),
        topics=("your-infusion", "home-infusion"),
        body="""
## The days before

- **Drink plenty of fluids** the day before and the day of the infusion, unless your doctor
  limits your fluids. Good hydration lowers the risk of headache and kidney problems.
- **Store the medicine as the label and your pharmacist say.** Keep it in its carton, never
  freeze it, and use the oldest delivery first.
- **Plan for several hours.** The first infusion is given slowly. Have something to read or
  watch, and a comfortable chair near a table.

## On the day

- Wear a shirt with loose sleeves and eat a normal meal.
- Your nurse may give you medicines beforehand, often acetaminophen and an antihistamine,
  if your doctor ordered them.
- The nurse checks your temperature, pulse, blood pressure and breathing before starting,
  after each increase in speed and at the end.
- Tell the nurse at once if you feel unwell.

## Questions to ask

Which product you are getting, how long the infusion will take, and whom to call at night.
""",
        references=(REF_STORAGE, REF_PRIVIGEN_PI),
    ),
    SeedArticle(
        slug="side-effects-and-when-to-call",
        title="Side effects of IVIG and when to call",
        summary=(
            "Most IVIG side effects are mild, such as headache or tiredness. Learn which signs "
            "need a call to us and which need 911."
        ),
        topics=("safety",),
        body="""
## Common and usually mild

Headache, tiredness, chills, fever, nausea, muscle or back aches and flushing are the most
common. They often depend on how fast the medicine runs and ease when the nurse slows it
down. In a large study of home infusions, most people who had a reaction had a mild one.

## Call us the same day if you have

- a headache that does not go away with your usual medicine, or a stiff neck and
  sensitivity to light in the two days after an infusion;
- much less urine than usual, or swelling of your legs;
- dark urine or yellow skin.

## Call 911 if you have

- trouble breathing, swelling of the face or throat, or hives all over;
- chest pain, or pain and swelling in one leg;
- sudden weakness on one side, trouble speaking or a severe sudden headache.

IVIG can rarely cause blood clots or kidney problems, especially in people with certain risk
factors; your doctor and pharmacist check these before treatment.
""",
        references=(REF_SOUAYAH, REF_WAHEED, REF_PRIVIGEN_PI),
    ),
)
