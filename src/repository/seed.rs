//! Demo data: realistic, varied profiles, inserted in batches.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use super::backends::Engine;
use super::bulk::BulkLoad;
use super::journal::ChangeContext;
use super::load_memory::KnownKeys;
use super::rows::NewProfileRow;
use crate::domain::{Field, now_utc, parse_value};
use crate::error::Error;

/// Rows per transaction: few enough commits (each one synced to disk) to be fast, few enough
/// rows held at once to keep memory flat (200,000 took 136 MB; 50,000 takes 78 MB).
const ROWS_PER_TRANSACTION: usize = 50_000;

const FIRST_NAMES: &[&str] = &[
    "Aaliyah",
    "Adebayo",
    "Aiko",
    "Aino",
    "Aisha",
    "Akira",
    "Alejandro",
    "Aleksander",
    "Amara",
    "Amir",
    "Ana",
    "Anders",
    "Andrés",
    "Ángel",
    "Anika",
    "Anna",
    "Aoife",
    "Argo",
    "Arjun",
    "Astrid",
    "Ayşe",
    "Beatriz",
    "Benedikt",
    "Björn",
    "Bongani",
    "Bruno",
    "Camille",
    "Carmen",
    "Catalina",
    "Chen",
    "Chiara",
    "Chidi",
    "Chloé",
    "Cian",
    "Dagny",
    "Daniel",
    "Darius",
    "Dmitri",
    "Elif",
    "Elena",
    "Eliška",
    "Emeka",
    "Emil",
    "Emma",
    "Esperanza",
    "Fatima",
    "Felix",
    "Freya",
    "Gabriel",
    "Giulia",
    "Guadalupe",
    "Hana",
    "Hannah",
    "Haruto",
    "Hemi",
    "Henrik",
    "Hiroshi",
    "Ibrahim",
    "Ines",
    "Ingrid",
    "Isabella",
    "Ivan",
    "Jae-won",
    "Javier",
    "Jia",
    "João",
    "José",
    "Julia",
    "Kai",
    "Kalani",
    "Kamala",
    "Karim",
    "Kateřina",
    "Kenji",
    "Kwame",
    "Laila",
    "Lars",
    "Leila",
    "Liam",
    "Lucía",
    "Łukasz",
    "Magnus",
    "Mai",
    "Malik",
    "Mariam",
    "Marta",
    "Mateo",
    "Maya",
    "Mehmet",
    "Mei",
    "Mikael",
    "Min-jun",
    "Mohammed",
    "Nadia",
    "Naledi",
    "Ngozi",
    "Nikolai",
    "Nils",
    "Noa",
    "Noor",
    "Olga",
    "Oliver",
    "Omar",
    "Oskar",
    "Pablo",
    "Paula",
    "Priya",
    "Rafael",
    "Ravi",
    "Rhiannon",
    "Rosa",
    "Ruth",
    "Saanvi",
    "Santiago",
    "Sara",
    "Seo-yeon",
    "Siobhán",
    "Sofia",
    "Søren",
    "Tamar",
    "Tariq",
    "Thandiwe",
    "Tomás",
    "Wei",
    "Yara",
    "Yusuf",
    "Zainab",
    "Zeynep",
    "Zoë",
];

const LAST_NAMES: &[&str] = &[
    "Abara",
    "Adeyemi",
    "Alves",
    "Andersen",
    "Bakker",
    "Banerjee",
    "Becker",
    "Bianchi",
    "Boateng",
    "Brennan",
    "Castillo",
    "Chatterjee",
    "Chen",
    "Costa",
    "Cruz",
    "Dahl",
    "Demir",
    "Dubois",
    "Dvořák",
    "Eriksen",
    "Esposito",
    "Fernández",
    "Fischer",
    "Fontaine",
    "García",
    "Goldberg",
    "González",
    "Gupta",
    "Haddad",
    "Hansen",
    "Hernández",
    "Horvat",
    "Hughes",
    "Ibrahim",
    "Ivanova",
    "Jansen",
    "Jensen",
    "Kaur",
    "Kim",
    "Kowalski",
    "Kuznetsov",
    "Lambert",
    "Larsen",
    "Lee",
    "Lindqvist",
    "López",
    "Mahlangu",
    "Mancini",
    "Martín",
    "Mendes",
    "Moreau",
    "Müller",
    "Murphy",
    "Nakamura",
    "Ndlovu",
    "Nguyễn",
    "Nielsen",
    "Novák",
    "Nowak",
    "O'Brien",
    "Okafor",
    "Okonkwo",
    "Olsen",
    "Ortiz",
    "Papadopoulos",
    "Park",
    "Patel",
    "Pereira",
    "Petrov",
    "Popescu",
    "Quispe",
    "Rahman",
    "Ramírez",
    "Rao",
    "Reyes",
    "Ricci",
    "Rodríguez",
    "Rossi",
    "Sánchez",
    "Saha",
    "Sato",
    "Schmidt",
    "Schneider",
    "Shapiro",
    "Silva",
    "Singh",
    "Smith",
    "Sokolov",
    "Suzuki",
    "Svensson",
    "Takahashi",
    "Tanaka",
    "Taylor",
    "Teo",
    "Thompson",
    "Torres",
    "Tran",
    "Van Dijk",
    "Vargas",
    "Virtanen",
    "Wang",
    "Weber",
    "Wiśniewski",
    "Wong",
    "Yamamoto",
    "Yilmaz",
    "Yoon",
    "Zhang",
    "Zhou",
];

/// What a seed run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedReport {
    pub inserted: u64,
    /// Generated names that already existed and were skipped.
    pub skipped: u64,
    /// Stopped when asked, before `count` were inserted (the batches before are stored).
    pub stopped: bool,
}

/// A supply of varied, valid demo profiles that never repeats a name: single and compound first
/// names, single and double-barrelled last names, ages weighted towards adults, timestamps spread
/// over the past three years. It ends when every name has been given (about 198 million).
///
/// The name pairs fall into four shapes (single or compound first name × single or
/// double-barrelled last name), drawn with fixed odds while each lasts; each shape walks through
/// all its pairs in a scrambled order (`offset + k × step` modulo the shape's size, `step`
/// coprime with it), so no pair comes twice and no set of names given is needed. (Drawing names
/// at random instead threw away more names than it kept past a few million: the 14,000 pairs of
/// two single names were all taken by then.)
pub struct DemoProfiles<R> {
    rng: R,
    now: NaiveDateTime,
    shapes: [NameShape; 4],
}

/// One shape of name pair and how far through it the supply is.
struct NameShape {
    compound_first: bool,
    compound_last: bool,
    /// Percent of draws, while it lasts.
    weight: u32,
    size: u64,
    step: u64,
    offset: u64,
    taken: u64,
}

impl NameShape {
    fn new(rng: &mut impl Rng, compound_first: bool, compound_last: bool, weight: u32) -> Self {
        let size = names_in(FIRST_NAMES, compound_first) * names_in(LAST_NAMES, compound_last);
        let mut step = rng.random_range(1..size.max(2));
        while gcd(step, size) != 1 {
            step += 1;
        }
        NameShape {
            compound_first,
            compound_last,
            weight,
            size,
            step,
            offset: rng.random_range(0..size),
            taken: 0,
        }
    }

    fn left(&self) -> bool {
        self.taken < self.size
    }

    /// The next pair of this shape (`None` for a pair over the length limit, which is skipped).
    fn next_pair(&mut self) -> Option<(String, String)> {
        let index = ((u128::from(self.offset) + u128::from(self.taken) * u128::from(self.step))
            % u128::from(self.size)) as u64;
        self.taken += 1;
        let lasts = names_in(LAST_NAMES, self.compound_last);
        let first = name_at(FIRST_NAMES, self.compound_first, index / lasts, "-");
        let last = name_at(LAST_NAMES, self.compound_last, index % lasts, "-");
        (first.chars().count() <= 30 && last.chars().count() <= 30).then_some((first, last))
    }
}

/// How many names a list gives: its names, or its ordered pairs of two different names.
fn names_in(names: &[&str], compound: bool) -> u64 {
    let n = names.len() as u64;
    if compound { n * (n - 1) } else { n }
}

/// The `index`th name of [`names_in`].
fn name_at(names: &[&str], compound: bool, index: u64, joiner: &str) -> String {
    if !compound {
        return names[index as usize].to_owned();
    }
    let others = names.len() as u64 - 1;
    let first = index / others;
    let mut second = index % others;
    if second >= first {
        second += 1;
    }
    format!(
        "{}{joiner}{}",
        names[first as usize], names[second as usize]
    )
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// One generated profile, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoProfile {
    pub first_name: String,
    pub last_name: String,
    pub gender: String,
    pub age: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl<R: Rng> DemoProfiles<R> {
    pub fn new(mut rng: R) -> Self {
        // First names are compound 40% of the time, last names double-barrelled 60%.
        let shapes = [
            NameShape::new(&mut rng, false, false, 24),
            NameShape::new(&mut rng, false, true, 36),
            NameShape::new(&mut rng, true, false, 16),
            NameShape::new(&mut rng, true, true, 24),
        ];
        DemoProfiles {
            rng,
            now: now_utc(),
            shapes,
        }
    }

    /// A name pair never given before; `None` once all are given.
    fn names(&mut self) -> Option<(String, String)> {
        loop {
            let total: u32 = self
                .shapes
                .iter()
                .filter(|s| s.left())
                .map(|s| s.weight)
                .sum();
            if total == 0 {
                return None;
            }
            let mut draw = self.rng.random_range(0..total);
            let shape = self.shapes.iter_mut().filter(|s| s.left()).find(|s| {
                let here = draw < s.weight;
                draw = draw.saturating_sub(s.weight);
                here
            })?;
            if let Some(pair) = shape.next_pair() {
                return Some(pair);
            }
        }
    }
}

impl<R: Rng> Iterator for DemoProfiles<R> {
    type Item = DemoProfile;

    fn next(&mut self) -> Option<DemoProfile> {
        let (first_name, last_name) = self.names()?;
        let gender = match self.rng.random_range(0..100) {
            0..49 => "F",
            49..98 => "M",
            _ => "X",
        };
        // Mostly adults, some children, a few very old.
        let age = match self.rng.random_range(0..100) {
            0..15 => self.rng.random_range(0..18),
            15..95 => self.rng.random_range(18..80),
            _ => self.rng.random_range(80..=110),
        };
        let created_at =
            self.now - Duration::seconds(self.rng.random_range(0..3 * 365 * 24 * 3600));
        let since = (self.now - created_at).num_seconds().max(1);
        let updated_at = if self.rng.random_ratio(1, 3) {
            created_at + Duration::seconds(self.rng.random_range(0..since))
        } else {
            created_at
        };
        Some(DemoProfile {
            first_name,
            last_name,
            gender: gender.to_owned(),
            age,
            created_at,
            updated_at,
        })
    }
}

impl DemoProfile {
    /// Whether every value obeys its column's rule (always true; checked in tests).
    pub fn is_valid(&self) -> bool {
        parse_value(Field::FirstName, &self.first_name).is_ok()
            && parse_value(Field::LastName, &self.last_name).is_ok()
            && parse_value(Field::Gender, &self.gender).is_ok()
            && parse_value(Field::Age, &self.age.to_string()).is_ok()
    }

    fn row(&self) -> NewProfileRow<'_> {
        NewProfileRow {
            first_name: &self.first_name,
            last_name: &self.last_name,
            gender: &self.gender,
            age: self.age,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// Inserts demo profiles until `count` new rows exist or the name space runs dry.
/// `open_second`: a second connection to build the put-off indexes with (see
/// [`BulkLoad::finish`]).
pub(crate) fn seed<E: Engine + Send>(
    conn: &mut E,
    count: u64,
    ctx: &ChangeContext,
    stop: &AtomicBool,
    mut progress: impl FnMut(u64),
    open_second: impl FnOnce() -> Option<E>,
) -> Result<SeedReport, Error> {
    let load = BulkLoad::start(conn, true)?;
    let seeded = insert_demo_profiles(conn, count, ctx, stop, &mut progress);
    let finished = load.finish(conn, open_second);
    let seeded = seeded?;
    finished?;
    Ok(seeded)
}

fn insert_demo_profiles<E: Engine>(
    conn: &mut E,
    count: u64,
    ctx: &ChangeContext,
    stop: &AtomicBool,
    progress: &mut impl FnMut(u64),
) -> Result<SeedReport, Error> {
    let mut demo = DemoProfiles::new(rand::rng());
    let mut keys = KnownKeys::default();
    let mut report = SeedReport {
        inserted: 0,
        skipped: 0,
        stopped: false,
    };
    // Give up once far more names were skipped than wanted: the name space is exhausted.
    let give_up_after = count.saturating_mul(4).max(10_000);
    while report.inserted < count && report.skipped < give_up_after {
        if stop.load(Ordering::Relaxed) {
            report.stopped = true;
            break;
        }
        let wanted = usize::try_from(count - report.inserted).unwrap_or(usize::MAX);
        let chunk = wanted.min(ROWS_PER_TRANSACTION);
        let mut generated = Vec::with_capacity(chunk);
        generated.extend(demo.by_ref().take(chunk));
        if generated.is_empty() {
            break;
        }
        let rows: Vec<NewProfileRow<'_>> = generated.iter().map(DemoProfile::row).collect();
        let inserted = conn.insert_demo_chunk(&rows, ctx, &mut keys);
        keys.transaction_ended(inserted.is_ok());
        let inserted = inserted? as u64;
        report.inserted += inserted;
        report.skipped += generated.len() as u64 - inserted;
        progress(report.inserted);
    }
    Ok(report)
}
