//! Classes of the audit on small observations.

use super::inventory::{Entry, Expected};
use super::*;

fn entry(url: &str) -> Entry {
    Entry {
        url: url.to_string(),
        listed_at: "old.txt:1".to_string(),
        expected: None,
    }
}

fn leaves(to: &str) -> Observation {
    Observation {
        hops: vec![Hop {
            url: "https://uk.po.co/a".to_string(),
            status: 301,
            location: to.to_string(),
        }],
        landing: Landing::Leaves {
            url: to.to_string(),
        },
    }
}

fn page(status: u16) -> Observation {
    Observation {
        hops: Vec::new(),
        landing: Landing::Page {
            url: "https://uk.po.co/x".to_string(),
            status,
            canonical: None,
            noindex: false,
        },
    }
}

fn classes(observations: Vec<Observation>, entries: Vec<Entry>) -> Vec<Class> {
    let rules = Rules {
        many: 2,
        homes: vec!["https://www.mi.com/uk/".to_string()],
    };
    classify(&entries, observations, &rules)
        .into_iter()
        .map(|f| f.class)
        .collect()
}

#[test]
fn each_class() {
    let entries: Vec<Entry> = (0..8)
        .map(|i| entry(&format!("https://uk.po.co/{i}")))
        .collect();
    let observations = vec![
        leaves("https://www.mi.com/uk/product/a/"),
        leaves("https://www.mi.com/uk/poco/"),
        leaves("https://www.mi.com/uk/poco/?from=x"),
        leaves("https://www.mi.com/uk/poco/"),
        leaves("https://www.mi.com/uk/"),
        page(200),
        page(404),
        Observation {
            hops: Vec::new(),
            landing: Landing::Loop,
        },
    ];
    assert_eq!(
        classes(observations, entries),
        [
            Class::OneToOne,
            Class::ManyToOne,
            Class::ManyToOne,
            Class::ManyToOne,
            Class::Home,
            Class::Notice,
            Class::NotFound,
            Class::Loop
        ]
    );
}

#[test]
fn a_chain_and_a_mismatch() {
    let mut chained = leaves("https://www.mi.com/uk/product/a/");
    chained.hops.insert(
        0,
        Hop {
            url: "https://uk.po.co/a".to_string(),
            status: 308,
            location: "https://uk.po.co/a/".to_string(),
        },
    );
    let mut expecting = entry("https://uk.po.co/b");
    expecting.expected = Some(Expected {
        url: Some("https://www.mi.com/uk/product/b/".to_string()),
        status: Some(301),
    });
    let mut right_status_wrong_code = entry("https://uk.po.co/c");
    right_status_wrong_code.expected = Some(Expected {
        url: None,
        status: Some(302),
    });
    let found = classes(
        vec![
            chained,
            leaves("https://www.mi.com/uk/product/a/"),
            leaves("https://www.mi.com/uk/product/c/"),
        ],
        vec![
            entry("https://uk.po.co/a"),
            expecting,
            right_status_wrong_code,
        ],
    );
    assert_eq!(found, [Class::Chain, Class::Mismatch, Class::Mismatch]);
}

#[test]
fn what_fails_the_audit() {
    assert!(Class::Loop.fails(false));
    assert!(Class::Mismatch.fails(false));
    assert!(!Class::NotFound.fails(false));
    assert!(Class::NotFound.fails(true));
    assert!(Class::ManyToOne.fails(true));
    assert!(!Class::Notice.fails(true));
}
