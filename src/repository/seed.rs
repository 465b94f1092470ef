//! Demo data: realistic, varied profiles, inserted in batches.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::backends::Engine;
use super::journal::ChangeContext;
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
}

/// An endless supply of varied, valid demo profiles: single and compound first names,
/// single and double-barrelled last names, ages weighted towards adults, timestamps spread over
/// the past three years.
pub struct DemoProfiles<R> {
    rng: R,
    now: NaiveDateTime,
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
    pub fn new(rng: R) -> Self {
        DemoProfiles {
            rng,
            now: now_utc(),
        }
    }

    fn name(&mut self, names: &[&str], joiner: &str, compound_percent: u32) -> String {
        loop {
            let first = names.choose(&mut self.rng).copied().unwrap_or("Alex");
            let name = if self.rng.random_ratio(compound_percent, 100) {
                let second = names.choose(&mut self.rng).copied().unwrap_or("Sam");
                if second == first {
                    continue;
                }
                format!("{first}{joiner}{second}")
            } else {
                first.to_owned()
            };
            if name.chars().count() <= 30 {
                return name;
            }
        }
    }
}

impl<R: Rng> Iterator for DemoProfiles<R> {
    type Item = DemoProfile;

    fn next(&mut self) -> Option<DemoProfile> {
        let first_name = self.name(FIRST_NAMES, "-", 40);
        let last_name = self.name(LAST_NAMES, "-", 60);
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
pub(crate) fn seed<E: Engine>(
    conn: &mut E,
    count: u64,
    ctx: &ChangeContext,
    mut progress: impl FnMut(u64),
) -> Result<SeedReport, Error> {
    let mut demo = DemoProfiles::new(rand::rng());
    // Names generated earlier in this run are skipped before they reach the database.
    let mut generated_names: HashSet<u64> = HashSet::new();
    let hasher = RandomState::new();
    conn.bulk_load(true)?;
    let mut report = SeedReport {
        inserted: 0,
        skipped: 0,
    };
    // Give up once far more names were skipped than wanted: the name space is exhausted.
    let give_up_after = count.saturating_mul(4).max(10_000);
    while report.inserted < count && report.skipped < give_up_after {
        let wanted = usize::try_from(count - report.inserted).unwrap_or(usize::MAX);
        let chunk = wanted.min(ROWS_PER_TRANSACTION);
        let mut generated = Vec::with_capacity(chunk);
        while generated.len() < chunk && report.skipped < give_up_after {
            let Some(profile) = demo.next() else { break };
            if generated_names.insert(hasher.hash_one((&profile.first_name, &profile.last_name))) {
                generated.push(profile);
            } else {
                report.skipped += 1;
            }
        }
        let rows: Vec<NewProfileRow<'_>> = generated.iter().map(DemoProfile::row).collect();
        let inserted = conn.insert_demo_chunk(&rows, ctx)? as u64;
        report.inserted += inserted;
        report.skipped += generated.len() as u64 - inserted;
        progress(report.inserted);
    }
    conn.bulk_load(false)?;
    Ok(report)
}
