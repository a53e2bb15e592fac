//! A seeded generator of person records with ground truth, across the corridors the field sees
//! (Arabic-script names, East Slavic, West African, South-East Asian, Balkan, Latin American),
//! with realistic corruption: transliteration variants and native script, typos, swapped
//! given/family names, swapped day and month, estimated years, missing values, reformatted and
//! changed phone numbers — and hard negatives: relatives sharing a family name, place and phone,
//! twins sharing a date of birth, and very common names shared by unrelated people.
//!
//! Record ids are random and the output is shuffled: nothing in an id or the order tells which
//! records belong together.

use crate::record::Record;
use crate::rng::{Rng, Zipf};

/// A name: its spellings (the first is the most common Latin one) and, where the corridor
/// writes another script, its native form.
struct Name(&'static [&'static str], Option<&'static str>);

struct Corridor {
    weight: f64,
    male: &'static [Name],
    female: &'static [Name],
    family: &'static [Name],
    nationalities: &'static [&'static str],
    places: &'static [&'static [&'static str]],
    calling_code: &'static str,
    native_script_rate: f64,
}

macro_rules! n {
    ($($s:literal),+ ; $native:literal) => { Name(&[$($s),+], Some($native)) };
    ($($s:literal),+) => { Name(&[$($s),+], None) };
}

const CORRIDORS: &[Corridor] = &[
    Corridor {
        weight: 0.22,
        male: &[
            n!("Mohammed", "Muhammad", "Mohamed", "Mohammad", "Mohamad"; "محمد"),
            n!("Ahmed", "Ahmad"; "أحمد"),
            n!("Ali"; "علي"),
            n!("Omar", "Umar"; "عمر"),
            n!("Youssef", "Yusuf", "Yousef", "Youssif"; "يوسف"),
            n!("Khaled", "Khalid"; "خالد"),
            n!("Hassan", "Hasan"; "حسن"),
            n!("Ibrahim", "Ebrahim", "Brahim"; "إبراهيم"),
            n!("Mustafa", "Moustafa", "Mostafa"; "مصطفى"),
            n!("Abdullah", "Abdallah", "Abdulla"; "عبدالله"),
            n!("Tariq", "Tarek", "Tareq"; "طارق"),
            n!("Walid", "Waleed"; "وليد"),
        ],
        female: &[
            n!("Fatima", "Fatma", "Fatimah", "Fatemeh"; "فاطمة"),
            n!("Aisha", "Aicha", "Aysha"; "عائشة"),
            n!("Mariam", "Maryam", "Meriem"; "مريم"),
            n!("Zainab", "Zeinab", "Zaynab"; "زينب"),
            n!("Nour", "Noor", "Nur"; "نور"),
            n!("Amina", "Aminah", "Emina"; "أمينة"),
            n!("Layla", "Leila", "Laila"; "ليلى"),
            n!("Huda", "Houda", "Hoda"; "هدى"),
            n!("Samira", "Sameera"; "سميرة"),
            n!("Khadija", "Khadidja", "Khadeeja"; "خديجة"),
        ],
        family: &[
            n!("Hassan", "Hasan"; "حسن"),
            n!("Ibrahim", "Ebrahim"; "إبراهيم"),
            n!("Abdullah", "Abdallah"; "عبدالله"),
            n!("Al-Sayed", "El Sayed", "Elsayed", "Al Sayed"; "السيد"),
            n!("Haddad", "Hadad"; "حداد"),
            n!("Khalil", "Khaleel"; "خليل"),
            n!("Mansour", "Mansur"; "منصور"),
            n!("Nasser", "Naser", "Nasir"; "ناصر"),
            n!("Saleh", "Salih", "Salah"; "صالح"),
            n!("Yassin", "Yasin", "Yaseen"; "ياسين"),
            n!("Othman", "Osman", "Uthman"; "عثمان"),
            n!("Hamdan", "Hamdane"; "حمدان"),
            n!("Qasim", "Kassem", "Kasim"; "قاسم"),
            n!("Darwish", "Derwich"; "درويش"),
        ],
        nationalities: &["SYR", "IRQ", "SDN", "EGY", "MAR", "YEM"],
        places: &[
            &["Aleppo", "Halab"],
            &["Damascus", "Dimashq"],
            &["Baghdad"],
            &["Khartoum"],
            &["Cairo", "Al-Qahira"],
            &["Casablanca"],
            &["Homs", "Hims"],
        ],
        calling_code: "963",
        native_script_rate: 0.15,
    },
    Corridor {
        weight: 0.2,
        male: &[
            n!("Oleksandr", "Aleksandr", "Alexander", "Olexandr"; "Олександр"),
            n!("Dmytro", "Dmitry", "Dmitri", "Dmitriy"; "Дмитро"),
            n!("Sergei", "Sergey", "Serhii", "Serhiy"; "Сергей"),
            n!("Andriy", "Andrei", "Andrey", "Andrii"; "Андрій"),
            n!("Mykola", "Nikolai", "Nikolay", "Mykola"; "Микола"),
            n!("Ivan", "Iwan"; "Іван"),
            n!("Volodymyr", "Vladimir", "Wolodymyr"; "Володимир"),
            n!("Yuriy", "Yuri", "Iurii", "Jurij"; "Юрій"),
            n!("Maksym", "Maxim", "Maksim"; "Максим"),
            n!("Vasyl", "Vasily", "Vasili"; "Василь"),
        ],
        female: &[
            n!("Olena", "Elena", "Yelena", "Olena"; "Олена"),
            n!("Natalia", "Nataliya", "Natalya", "Natalija"; "Наталія"),
            n!("Iryna", "Irina", "Iryna"; "Ірина"),
            n!("Yulia", "Yuliya", "Julia", "Iuliia"; "Юлія"),
            n!("Tetiana", "Tatiana", "Tatyana", "Tetyana"; "Тетяна"),
            n!("Svitlana", "Svetlana"; "Світлана"),
            n!("Oksana", "Oxana"; "Оксана"),
            n!("Anastasia", "Anastasiia", "Anastasiya"; "Анастасія"),
            n!("Kateryna", "Ekaterina", "Yekaterina", "Katerina"; "Катерина"),
            n!("Mariia", "Maria", "Mariya"; "Марія"),
        ],
        family: &[
            n!("Kovalenko", "Kowalenko"; "Коваленко"),
            n!("Shevchenko", "Schewtschenko", "Sevcenko"; "Шевченко"),
            n!("Bondarenko"; "Бондаренко"),
            n!("Ivanov", "Ivanoff"; "Иванов"),
            n!("Petrenko"; "Петренко"),
            n!("Melnyk", "Melnik", "Melnic"; "Мельник"),
            n!("Tkachenko", "Tkatchenko"; "Ткаченко"),
            n!("Kravchenko", "Krawtschenko"; "Кравченко"),
            n!("Smirnov", "Smirnoff"; "Смирнов"),
            n!("Boyko", "Boiko", "Bojko"; "Бойко"),
            n!("Kovalchuk", "Kowalczuk"; "Ковальчук"),
            n!("Oliynyk", "Oleynik", "Oliinyk"; "Олійник"),
            n!("Lysenko", "Lisenko"; "Лисенко"),
            n!("Moroz"; "Мороз"),
        ],
        nationalities: &["UKR", "MDA", "BLR", "RUS"],
        places: &[
            &["Kyiv", "Kiev"],
            &["Kharkiv", "Kharkov"],
            &["Odesa", "Odessa"],
            &["Lviv", "Lvov"],
            &["Chisinau", "Kishinev"],
            &["Dnipro", "Dnepr"],
        ],
        calling_code: "380",
        native_script_rate: 0.2,
    },
    Corridor {
        weight: 0.2,
        male: &[
            n!("Mamadou", "Mamadu", "Mamoudou"),
            n!("Ibrahima", "Ibrahim"),
            n!("Ousmane", "Usman", "Ousman"),
            n!("Abdoulaye", "Abdulai", "Abdoulai"),
            n!("Moussa", "Musa", "Mousa"),
            n!("Chinedu", "Chinedum"),
            n!("Oluwaseun", "Seun"),
            n!("Adebayo", "Adebayor"),
            n!("Kwame", "Kwamé"),
            n!("Emmanuel", "Emanuel"),
            n!("Lamine", "Lamin"),
        ],
        female: &[
            n!("Aminata", "Aminatou"),
            n!("Fatoumata", "Fatimata", "Fatumata"),
            n!("Mariama", "Mariam"),
            n!("Kadiatou", "Kadiatu", "Khadiatou"),
            n!("Aissatou", "Aishatu", "Aïssatou"),
            n!("Ngozi"),
            n!("Blessing"),
            n!("Precious"),
            n!("Adaeze", "Adaeze"),
            n!("Abena", "Abenaa"),
            n!("Hawa", "Awa"),
        ],
        family: &[
            n!("Diallo", "Jallow", "Djalo"),
            n!("Traoré", "Traore", "Tarawally"),
            n!("Koné", "Kone", "Konneh"),
            n!("Camara", "Kamara"),
            n!("Coulibaly", "Kulibali", "Kulubally"),
            n!("Okafor", "Okafo"),
            n!("Adeyemi", "Adeyemmi"),
            n!("Mensah", "Mensa"),
            n!("Owusu", "Owusuh"),
            n!("Sow", "Sowe"),
            n!("Bah", "Ba"),
            n!("Keita", "Keïta", "Keyta"),
            n!("Okonkwo"),
            n!("Balde", "Baldé"),
        ],
        nationalities: &["NGA", "GIN", "MLI", "CIV", "GHA", "SEN"],
        places: &[&["Lagos"], &["Benin City"], &["Conakry", "Konakry"], &["Bamako"], &["Abidjan"], &["Kumasi"], &["Dakar"]],
        calling_code: "234",
        native_script_rate: 0.0,
    },
    Corridor {
        weight: 0.14,
        male: &[
            n!("Minh", "Mihn"),
            n!("Anh"),
            n!("Somchai", "Somchay"),
            n!("Kyaw", "Kyau"),
            n!("Hung", "Hùng"),
            n!("Joseph", "Jose"),
            n!("Budi"),
            n!("Arjun"),
        ],
        female: &[
            n!("Lan", "Lân"),
            n!("Hoa", "Hòa"),
            n!("Thu", "Thư"),
            n!("Siriporn", "Siriphon"),
            n!("Thandar", "Thanda"),
            n!("Siti"),
            n!("Nurul", "Nurul"),
            n!("Maria Cristina", "Ma. Cristina"),
            n!("Mai"),
        ],
        family: &[
            n!("Nguyễn", "Nguyen", "Nguyên"),
            n!("Trần", "Tran"),
            n!("Lê", "Le"),
            n!("Phạm", "Pham"),
            n!("Hoàng", "Hoang", "Huynh"),
            n!("Saetang", "Sae-Tang"),
            n!("Wongsa", "Wongsaa"),
            n!("Reyes", "Reies"),
            n!("Santos"),
            n!("Dela Cruz", "De la Cruz", "Delacruz"),
            n!("Aung"),
            n!("Rahman", "Rahmann"),
        ],
        nationalities: &["VNM", "THA", "MMR", "PHL", "IDN", "KHM"],
        places: &[&["Hanoi", "Ha Noi"], &["Ho Chi Minh City", "Saigon"], &["Bangkok"], &["Yangon", "Rangoon"], &["Manila"], &["Surabaya"]],
        calling_code: "84",
        native_script_rate: 0.0,
    },
    Corridor {
        weight: 0.12,
        male: &[
            n!("Nikola", "Nicola"; "Никола"),
            n!("Dragan"; "Драган"),
            n!("Marko", "Marco"; "Марко"),
            n!("Arben"),
            n!("Besnik"),
            n!("Ion", "Ioan"),
            n!("Stefan", "Ștefan", "Stefan"; "Стефан"),
            n!("Aleksandar", "Alexandar"; "Александар"),
        ],
        female: &[
            n!("Jelena", "Yelena"; "Јелена"),
            n!("Milica", "Militsa"; "Милица"),
            n!("Ana"; "Ана"),
            n!("Elira"),
            n!("Ardita"),
            n!("Ioana", "Joana"),
            n!("Marija", "Maria"; "Марија"),
            n!("Dragana"; "Драгана"),
        ],
        family: &[
            n!("Petrović", "Petrovic", "Petrovich"; "Петровић"),
            n!("Jovanović", "Jovanovic", "Yovanovich"; "Јовановић"),
            n!("Nikolić", "Nikolic"; "Николић"),
            n!("Hoxha", "Hodza", "Hodža"),
            n!("Krasniqi", "Krasnici"),
            n!("Berisha", "Beriša"),
            n!("Popescu"),
            n!("Ionescu", "Jonescu"),
            n!("Dimitrov", "Dimitroff"; "Димитров"),
            n!("Đorđević", "Djordjevic", "Dordevic"; "Ђорђевић"),
        ],
        nationalities: &["SRB", "ALB", "ROU", "BGR", "XKX", "MKD"],
        places: &[
            &["Belgrade", "Beograd"],
            &["Tirana", "Tiranë"],
            &["Bucharest", "București"],
            &["Sofia"],
            &["Pristina", "Prishtina"],
            &["Skopje"],
        ],
        calling_code: "381",
        native_script_rate: 0.1,
    },
    Corridor {
        weight: 0.12,
        male: &[
            n!("José Luis", "Jose Luis"),
            n!("Juan Carlos"),
            n!("Luis"),
            n!("Carlos"),
            n!("Jesús", "Jesus"),
            n!("Miguel Ángel", "Miguel Angel"),
            n!("Jorge"),
            n!("Pedro"),
        ],
        female: &[
            n!("María José", "Maria Jose", "Ma. José"),
            n!("Ana María", "Ana Maria"),
            n!("Sofía", "Sofia"),
            n!("Valentina"),
            n!("Guadalupe"),
            n!("Daniela"),
            n!("Gabriela"),
            n!("Yesenia", "Yessenia"),
        ],
        family: &[
            n!("García", "Garcia"),
            n!("Rodríguez", "Rodriguez"),
            n!("Martínez", "Martinez"),
            n!("Hernández", "Hernandez"),
            n!("López", "Lopez"),
            n!("González", "Gonzalez", "Gonzales"),
            n!("Pérez", "Perez"),
            n!("Sánchez", "Sanchez"),
            n!("Ramírez", "Ramirez"),
            n!("Flores"),
            n!("Vásquez", "Vasquez", "Velásquez"),
        ],
        nationalities: &["HND", "GTM", "SLV", "MEX", "VEN", "COL"],
        places: &[
            &["Tegucigalpa"],
            &["San Pedro Sula"],
            &["Guatemala City", "Ciudad de Guatemala"],
            &["San Salvador"],
            &["Caracas"],
            &["Medellín", "Medellin"],
        ],
        calling_code: "504",
        native_script_rate: 0.0,
    },
];

/// A name with owned spellings, for pools that are partly composed at run time.
struct OwnedName {
    spellings: Vec<String>,
    native: Option<String>,
}

impl OwnedName {
    fn of(n: &Name) -> Self {
        OwnedName { spellings: n.0.iter().map(|s| (*s).to_owned()).collect(), native: n.1.map(str::to_owned) }
    }
}

struct Pools {
    male: Vec<Vec<OwnedName>>,
    female: Vec<Vec<OwnedName>>,
    family: Vec<Vec<OwnedName>>,
    /// How often each family name is drawn, per corridor.
    family_frequency: Vec<Zipf>,
}

/// Latin to Cyrillic (Ukrainian), for composed East Slavic surnames.
fn to_cyrillic(latin: &str) -> String {
    let l = latin.to_lowercase();
    let mut out = String::new();
    let mut rest = l.as_str();
    let table: &[(&str, &str)] = &[
        ("shch", "щ"),
        ("kh", "х"),
        ("zh", "ж"),
        ("ts", "ц"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("yu", "ю"),
        ("ya", "я"),
        ("yi", "ї"),
        ("ie", "є"),
        ("iu", "ю"),
        ("a", "а"),
        ("b", "б"),
        ("v", "в"),
        ("h", "г"),
        ("g", "ґ"),
        ("d", "д"),
        ("e", "е"),
        ("z", "з"),
        ("y", "и"),
        ("i", "і"),
        ("k", "к"),
        ("l", "л"),
        ("m", "м"),
        ("n", "н"),
        ("o", "о"),
        ("p", "п"),
        ("r", "р"),
        ("s", "с"),
        ("t", "т"),
        ("u", "у"),
        ("f", "ф"),
    ];
    while !rest.is_empty() {
        match table.iter().find(|(from, _)| rest.starts_with(from)) {
            Some((from, to)) => {
                out.push_str(to);
                rest = &rest[from.len()..];
            }
            None => {
                let mut chars = rest.chars();
                if let Some(c) = chars.next() {
                    out.push(c);
                }
                rest = chars.as_str();
            }
        }
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => out,
    }
}

fn strip_accents(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).collect()
}

/// Surname roots composed of the sounds of East Slavic and Balkan names: an onset, a vowel and a
/// coda (Bor-, Hrys-, Mel-, Stan-, …), 1,512 in all.
fn composed_roots() -> Vec<String> {
    const ONSETS: [&str; 21] =
        ["B", "V", "H", "D", "Z", "K", "L", "M", "N", "P", "R", "S", "T", "F", "Kh", "Ch", "Sh", "Hr", "Kr", "Pr", "St"];
    const VOWELS: [&str; 6] = ["a", "o", "e", "y", "u", "i"];
    const CODAS: [&str; 12] = ["l", "n", "r", "s", "k", "ch", "sh", "d", "t", "m", "v", "sk"];
    ONSETS.iter().flat_map(|o| VOWELS.iter().flat_map(move |v| CODAS.iter().map(move |c| format!("{o}{v}{c}")))).collect()
}

/// The name pools: the listed names plus composed ones, so surnames are as varied as in life.
fn pools() -> Pools {
    let mut p = Pools {
        male: CORRIDORS.iter().map(|c| c.male.iter().map(OwnedName::of).collect()).collect(),
        female: CORRIDORS.iter().map(|c| c.female.iter().map(OwnedName::of).collect()).collect(),
        family: CORRIDORS.iter().map(|c| c.family.iter().map(OwnedName::of).collect()).collect(),
        family_frequency: Vec::new(),
    };
    let add = |pool: &mut Vec<OwnedName>, spellings: Vec<String>, native: Option<String>| pool.push(OwnedName { spellings, native });
    // Arabic: Abd al-X and al-Y family names, written many ways.
    if let Some(fam) = p.family.get_mut(0) {
        for x in ["Rahman", "Karim", "Aziz", "Hamid", "Latif", "Majid", "Qadir", "Wahab", "Salam", "Jabbar", "Hadi", "Razzaq"] {
            add(fam, vec![format!("Abdel {x}"), format!("Abdul {x}"), format!("Abdel{}", x.to_lowercase()), format!("Abd al-{x}")], None);
        }
        for y in [
            "Shami", "Masri", "Tamimi", "Hashimi", "Zubaidi", "Jabouri", "Obeidi", "Dulaimi", "Khatib", "Najjar", "Hakim", "Sabbagh",
            "Attar", "Halabi", "Homsi", "Azzam", "Barakat", "Farouk", "Ghanem", "Jaber", "Karam", "Nassar", "Rashid", "Sharif", "Zaher",
        ] {
            add(fam, vec![format!("Al-{y}"), format!("Al {y}"), format!("El-{y}"), y.to_owned()], None);
        }
    }
    // East Slavic: roots and suffixes, with the Cyrillic form.
    if let Some(fam) = p.family.get_mut(1) {
        for root in [
            "Koval", "Savch", "Bondar", "Tkach", "Marchen", "Pavl", "Rud", "Hnat", "Kuz", "Dmytr", "Ostap", "Sydor", "Kharch", "Honchar",
            "Fedor", "Yarosh", "Tymosh", "Levch", "Zinch", "Mazur", "Prokop", "Semen", "Hryts", "Kostyr", "Panas",
        ] {
            for suffix in ["enko", "chuk", "yuk", "ets"] {
                let latin = format!("{root}{suffix}");
                let alt = latin.replace("yuk", "iuk").replace("kh", "ch").replace('y', "i");
                let native = to_cyrillic(&latin);
                add(fam, vec![latin, alt], Some(native));
            }
        }
    }
    // West African: more family names.
    if let Some(fam) = p.family.get_mut(2) {
        for n in [
            &["Sesay", "Sessay"][..],
            &["Conteh", "Konteh"],
            &["Bangura"],
            &["Kargbo"],
            &["Turay", "Touray"],
            &["Jalloh", "Diallo"],
            &["Barry", "Bari"],
            &["Sylla", "Silla"],
            &["Touré", "Toure"],
            &["Cissé", "Cisse", "Cissè"],
            &["Ndiaye", "N'Diaye"],
            &["Fofana"],
            &["Sanogo"],
            &["Ouattara", "Watara"],
            &["Eze"],
            &["Nwosu"],
            &["Obi"],
            &["Okeke"],
            &["Adewale"],
            &["Boateng"],
            &["Asante", "Asantey"],
            &["Appiah"],
            &["Danso"],
            &["Ogunleye"],
            &["Balogun"],
            &["Diop"],
            &["Faye"],
            &["Gueye"],
            &["Mbaye"],
            &["Sarr"],
        ] {
            add(fam, n.iter().map(|x| (*x).to_owned()).collect(), None);
        }
    }
    // South-East Asia: Vietnamese middle names; more family names.
    if let (Some(f), Some(m), Some(fam)) = (p.female.get_mut(3), p.male.get_mut(3), p.family.get_mut(3)) {
        for x in ["Lan", "Hoa", "Thu", "Huong", "Linh", "Ngoc", "Trang", "Phuong", "Hanh", "Mai", "Yen", "Nga"] {
            add(f, vec![format!("Thi {x}"), format!("Thị {x}"), x.to_owned()], None);
        }
        for x in ["Minh", "Hung", "Tuan", "Duc", "Nam", "Long", "Hai", "Quang", "Thanh", "Dung", "Son", "Binh"] {
            add(m, vec![format!("Van {x}"), format!("Văn {x}"), x.to_owned()], None);
        }
        for n in [
            &["Vũ", "Vu"][..],
            &["Đặng", "Dang"],
            &["Bùi", "Bui"],
            &["Đỗ", "Do"],
            &["Ngô", "Ngo"],
            &["Dương", "Duong"],
            &["Lý", "Ly"],
            &["Srisuk"],
            &["Chaiyaporn", "Chaiyaphon"],
            &["Boonmee", "Bunmi"],
            &["Kaewkla"],
            &["Thongdee", "Thongdi"],
            &["Sukjai"],
            &["Bautista"],
            &["Mendoza"],
            &["Villanueva"],
            &["Ramos"],
            &["Aquino"],
            &["Castillo"],
            &["Win"],
            &["Htun", "Tun"],
            &["Oo", "U"],
            &["Hidayat"],
            &["Setiawan"],
            &["Wijaya", "Widjaja"],
        ] {
            add(fam, n.iter().map(|x| (*x).to_owned()).collect(), None);
        }
    }
    // Balkans: more.
    if let Some(fam) = p.family.get_mut(4) {
        for n in [
            &["Stojanović", "Stojanovic"][..],
            &["Marković", "Markovic"],
            &["Ilić", "Ilic"],
            &["Kovačević", "Kovacevic"],
            &["Gashi"],
            &["Shala"],
            &["Morina"],
            &["Radu"],
            &["Stoica"],
            &["Georgiev", "Georgieff"],
            &["Todorov"],
            &["Stanković", "Stankovic"],
            &["Pavlović", "Pavlovic"],
            &["Lazić", "Lazic"],
            &["Dumitru"],
            &["Constantin"],
            &["Mehmeti"],
            &["Rexhepi", "Redzepi"],
            &["Ahmeti"],
            &["Kostić", "Kostic"],
        ] {
            add(fam, n.iter().map(|x| (*x).to_owned()).collect(), None);
        }
    }
    // Latin America: two surnames (the father's first, then the mother's); records keep both, or
    // only the first, with or without accents.
    if let Some(fam) = p.family.get_mut(5) {
        let base: Vec<&str> = CORRIDORS.get(5).map(|c| c.family.iter().filter_map(|n| n.0.first().copied()).collect()).unwrap_or_default();
        let extra = [
            "Morales",
            "Castro",
            "Ortiz",
            "Cruz",
            "Reyes",
            "Díaz",
            "Torres",
            "Mejía",
            "Aguilar",
            "Romero",
            "Chávez",
            "Mendoza",
            "Herrera",
            "Medina",
            "Guzmán",
            "Gómez",
            "Jiménez",
            "Ruiz",
            "Álvarez",
            "Moreno",
            "Muñoz",
            "Rojas",
            "Vargas",
            "Castillo",
            "Gutiérrez",
            "Ramos",
            "Núñez",
            "Suárez",
            "Ortega",
            "Delgado",
            "Peña",
            "Soto",
            "Contreras",
            "Silva",
            "Sandoval",
            "Cabrera",
            "Campos",
            "Vega",
            "Fuentes",
            "Carrillo",
            "Espinoza",
            "Molina",
            "Salazar",
            "Rivera",
            "Pineda",
            "Cardona",
            "Zelaya",
            "Escobar",
            "Cáceres",
            "Ayala",
            "Maldonado",
            "Navarro",
            "Acosta",
            "Cortés",
            "Ibarra",
            "Lara",
            "Luna",
            "Miranda",
            "Paredes",
            "Villalobos",
            "Zamora",
            "Bonilla",
            "Valencia",
            "Osorio",
            "Quintero",
            "Arias",
            "Montoya",
            "Orellana",
            "Duarte",
            "Franco",
        ];
        let all: Vec<&str> = base.iter().copied().chain(extra).collect();
        fam.clear();
        // Most common combinations first (both surnames drawn from the head of the list).
        let mut pairs: Vec<(usize, usize)> =
            (0..all.len()).flat_map(|i| (0..all.len()).filter(move |j| *j != i).map(move |j| (i, j))).collect();
        pairs.sort_by_key(|(i, j)| (i + 1) * (j + 1));
        for (i, j) in pairs {
            let (a, b) = (all[i], all[j]);
            let both = format!("{a} {b}");
            add(fam, vec![both.clone(), strip_accents(&both), a.to_owned(), strip_accents(a)], None);
        }
    }
    // East Slavic and Balkan surnames are many (the most common Ukrainian one, Melnyk, is borne by
    // about 0.4 % of the population: 174,057 people, Obozrevatel 2023): after the listed names, a
    // long tail of composed ones (a root of the region's sounds and a surname suffix), in an order
    // fixed by a seed so every run draws the same pool.
    let mut order = Rng::new(0x5a1e);
    if let Some(fam) = p.family.get_mut(1) {
        let mut tail = Vec::new();
        for root in composed_roots() {
            for suffix in ["enko", "chuk", "yuk", "ets", "ovych", "yshyn", "ak", "iv"] {
                let latin = format!("{root}{suffix}");
                let alt = latin.replace("yuk", "iuk").replace("kh", "ch").replace('y', "i");
                let native = to_cyrillic(&latin);
                tail.push(OwnedName { spellings: vec![latin, alt], native: Some(native) });
            }
        }
        order.shuffle(&mut tail);
        fam.extend(tail);
    }
    if let Some(fam) = p.family.get_mut(4) {
        let mut tail = Vec::new();
        for root in composed_roots() {
            let root = root.replace("kh", "h").replace("ch", "č").replace("sh", "š").replace('y', "j");
            for suffix in ["ović", "ić", "escu", "ov", "aj", "eanu"] {
                let latin = format!("{root}{suffix}");
                tail.push(OwnedName { spellings: vec![latin.clone(), strip_accents(&latin)], native: None });
            }
        }
        order.shuffle(&mut tail);
        fam.extend(tail);
    }
    p.family_frequency = p.family.iter().map(|f| Zipf::new(f.len(), 0.6)).collect();
    p
}

/// The truth for one generated record.
#[derive(Debug, Clone)]
pub struct Truth {
    pub id: String,
    pub person: usize,
    /// The person's true date of birth (year, month, day); the record may say otherwise, or
    /// nothing.
    pub born: (i32, u8, u8),
}

struct Person {
    corridor: usize,
    female: bool,
    given: usize,
    family: usize,
    year: i32,
    month: u8,
    day: u8,
    nationality: usize,
    place: usize,
    phone: String,
}

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return s.to_owned();
    }
    let i = 1 + rng.below(chars.len() - 1);
    let letters: Vec<char> = "abcdeghiklmnoprstuy".chars().collect();
    match rng.below(4) {
        0 => {
            chars.remove(i);
        }
        1 => {
            if let Some(c) = rng.pick(&letters) {
                chars.insert(i, *c);
            }
        }
        2 => {
            if let (Some(c), Some(slot)) = (rng.pick(&letters).copied(), chars.get_mut(i)) {
                *slot = c;
            }
        }
        _ => {
            if i + 1 < chars.len() {
                chars.swap(i, i + 1);
            }
        }
    }
    chars.into_iter().collect()
}

fn spelling(rng: &mut Rng, name: &OwnedName, native_rate: f64) -> String {
    if let Some(native) = &name.native
        && rng.chance(native_rate)
    {
        return native.clone();
    }
    let i = if rng.chance(0.55) { 0 } else { rng.below(name.spellings.len()) };
    name.spellings.get(i).cloned().unwrap_or_default()
}

fn phone_format(rng: &mut Rng, code: &str, national: &str) -> String {
    match rng.below(4) {
        0 => format!("+{code} {} {} {}", &national[..3], &national[3..6], &national[6..]),
        1 => format!("0{national}"),
        2 => format!("00{code}{national}"),
        _ => format!("+{code}{national}"),
    }
}

fn new_phone(rng: &mut Rng) -> String {
    (0..9).map(|i| char::from(b'0' + if i == 0 { 1 + rng.below(9) as u8 } else { rng.below(10) as u8 })).collect()
}

fn corridor_of(rng: &mut Rng) -> usize {
    let x = rng.unit() * CORRIDORS.iter().map(|c| c.weight).sum::<f64>();
    let mut acc = 0.0;
    for (i, c) in CORRIDORS.iter().enumerate() {
        acc += c.weight;
        if x < acc {
            return i;
        }
    }
    CORRIDORS.len() - 1
}

fn new_person(rng: &mut Rng, pools: &Pools) -> Person {
    let corridor = corridor_of(rng);
    let c = &CORRIDORS[corridor];
    let female = rng.chance(0.55);
    let pool = if female { &pools.female[corridor] } else { &pools.male[corridor] };
    Person {
        corridor,
        female,
        given: rng.zipf(pool.len(), 0.9),
        family: pools.family_frequency.get(corridor).map_or(0, |z| z.draw(rng)),
        year: 1965 + rng.below(45) as i32,
        month: 1 + rng.below(12) as u8,
        day: 1 + rng.below(28) as u8,
        nationality: rng.zipf(c.nationalities.len(), 1.0),
        place: rng.below(c.places.len()),
        phone: new_phone(rng),
    }
}

/// A relative: same family name, nationality, place, often the same phone; another given name
/// and date of birth (a twin shares it).
fn relative_of(rng: &mut Rng, p: &Person, pools: &Pools) -> Person {
    let female = rng.chance(0.5);
    let pool = if female { &pools.female[p.corridor] } else { &pools.male[p.corridor] };
    let mut given = rng.below(pool.len());
    if female == p.female && given == p.given {
        given = (given + 1) % pool.len();
    }
    let twin = rng.chance(0.08);
    Person {
        corridor: p.corridor,
        female,
        given,
        family: p.family,
        year: if twin { p.year } else { p.year + [-14, -9, -4, -2, 2, 3, 6, 21][rng.below(8)] },
        month: if twin { p.month } else { 1 + rng.below(12) as u8 },
        day: if twin { p.day } else { 1 + rng.below(28) as u8 },
        nationality: p.nationality,
        place: p.place,
        phone: if rng.chance(0.35) { p.phone.clone() } else { new_phone(rng) },
    }
}

fn record_of(rng: &mut Rng, p: &Person, duplicate: bool, pools: &Pools) -> Record {
    let c = &CORRIDORS[p.corridor];
    let pool = if p.female { &pools.female[p.corridor] } else { &pools.male[p.corridor] };
    let mut given = pool.get(p.given).map(|n| spelling(rng, n, c.native_script_rate));
    let mut family = pools.family[p.corridor].get(p.family).map(|n| spelling(rng, n, c.native_script_rate));
    if rng.chance(0.08) {
        given = given.map(|g| typo(rng, &g));
    }
    if rng.chance(0.08) {
        family = family.map(|f| typo(rng, &f));
    }
    if rng.chance(0.04) {
        std::mem::swap(&mut given, &mut family);
    }
    if rng.chance(0.03) {
        given = None;
    }
    if rng.chance(0.03) {
        family = None;
    }
    let (mut y, mut m, mut d) = (p.year, p.month, p.day);
    let r = rng.unit();
    let dob = if r < 0.10 {
        None
    } else if r < 0.18 {
        Some(format!("{}", y + [-1, 0, 0, 1][rng.below(4)]))
    } else {
        if rng.chance(0.05) && d <= 12 {
            std::mem::swap(&mut m, &mut d);
        }
        if rng.chance(0.06) {
            y += if rng.chance(0.5) { 1 } else { -1 };
        }
        if rng.chance(0.03) {
            d = 1 + rng.below(28) as u8;
        }
        Some(if rng.chance(0.3) { format!("{d:02}/{m:02}/{y}") } else { format!("{y}-{m:02}-{d:02}") })
    };
    let sex = (!rng.chance(0.05)).then(|| if p.female { "F" } else { "M" }.to_owned());
    let nationality = (!rng.chance(0.15)).then(|| c.nationalities.get(p.nationality).copied().unwrap_or("XXX").to_owned());
    let place = (!rng.chance(0.4)).then(|| {
        let variants = c.places.get(p.place).copied().unwrap_or(&[]);
        let v = rng.pick(variants).copied().unwrap_or("");
        if rng.chance(0.05) { typo(rng, v) } else { v.to_owned() }
    });
    let phone = if rng.chance(0.5) {
        None
    } else if duplicate && rng.chance(0.2) {
        let changed = new_phone(rng);
        Some(phone_format(rng, c.calling_code, &changed))
    } else {
        Some(phone_format(rng, c.calling_code, &p.phone))
    };
    let id = format!("{:016x}", rng.next_u64());
    Record { id, given_name: given, family_name: family, sex, date_of_birth: dob, nationality, place_of_birth: place, phone }
}

/// Generate about `n` records: persons with 1–5 records each (70% have one), 12% of persons
/// are relatives of another. Returns the records (shuffled) and their truth.
pub fn generate(n: usize, seed: u64) -> (Vec<Record>, Vec<Truth>) {
    let mut rng = Rng::new(seed);
    let pools = pools();
    let mut persons: Vec<Person> = Vec::new();
    let mut out: Vec<(Record, usize)> = Vec::with_capacity(n);
    while out.len() < n {
        let person = match persons.len() {
            k if k > 0 && rng.chance(0.12) => {
                let of = rng.below(k);
                relative_of(&mut rng, &persons[of], &pools)
            }
            _ => new_person(&mut rng, &pools),
        };
        let copies = match rng.unit() {
            x if x < 0.70 => 1,
            x if x < 0.88 => 2,
            x if x < 0.96 => 3,
            x if x < 0.99 => 4,
            _ => 5,
        };
        let pid = persons.len();
        for k in 0..copies {
            if out.len() >= n {
                break;
            }
            let r = record_of(&mut rng, &person, k > 0, &pools);
            out.push((r, pid));
        }
        persons.push(person);
    }
    for i in (1..out.len()).rev() {
        let j = rng.below(i + 1);
        out.swap(i, j);
    }
    let truth = out
        .iter()
        .map(|(r, p)| {
            let born = persons.get(*p).map_or((0, 0, 0), |x| (x.year, x.month, x.day));
            Truth { id: r.id.clone(), person: *p, born }
        })
        .collect();
    (out.into_iter().map(|(r, _)| r).collect(), truth)
}

/// Two jurisdictions' files from one generated population: each person appears at most once
/// on each side; a person with two or more records appears on both (a different record on
/// each), a person with one record on one side only. Returns (a, b).
pub fn split_two(records: &[Record], truth: &[Truth], seed: u64) -> (Vec<Record>, Vec<Record>) {
    let mut rng = Rng::new(seed ^ 0xa5a5);
    let mut seen: std::collections::HashMap<usize, u8> = std::collections::HashMap::new();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (r, t) in records.iter().zip(truth) {
        let state = seen.entry(t.person).or_insert(0);
        match *state {
            0 => {
                if rng.chance(0.5) {
                    a.push(r.clone());
                    *state = 1;
                } else {
                    b.push(r.clone());
                    *state = 2;
                }
            }
            1 => {
                b.push(r.clone());
                *state = 3;
            }
            2 => {
                a.push(r.clone());
                *state = 3;
            }
            _ => {}
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_realistic() {
        let (a, ta) = generate(2_000, 7);
        let (b, _) = generate(2_000, 7);
        assert_eq!(a, b, "same seed, same data");
        assert_eq!(a.len(), 2_000);
        let persons: std::collections::HashSet<usize> = ta.iter().map(|t| t.person).collect();
        let dup_share = 1.0 - persons.len() as f64 / a.len() as f64;
        assert!((0.2..0.45).contains(&dup_share), "{dup_share}");
        assert!(a.iter().any(|r| r.given_name.as_deref() == Some("محمد")));
        assert!(a.iter().any(|r| r.date_of_birth.is_none()));
        let ids: std::collections::HashSet<&str> = a.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), a.len(), "unique ids");
    }
}
