# Oberflächentexte des Themes „notice“ auf Deutsch. Dieselben Kennungen wie die
# Referenzsprache (en). Die Seitentexte stehen in content/.

## Seitenrahmen: Sprunglink, Kopfzeile, Navigation, Fußzeile

skip-link = Zum Hauptinhalt springen
# $brand (String) - der Markenname aus site.yaml
site-name = { $brand }-Kundeninformation
site-tagline = Jetzt im Xiaomi Store
# Der <title> jeder Seite. $title - der Seitentitel; $brand - die Marke
document-title = { $title } – { $brand }-Kundeninformation
nav-label = Was sich ändert
language-switcher-label = Sprache und Land

## Der wichtigste Link, auf jeder Seite

cta-lead = { $brand }-Produkte, Kundendienst und Bestellungen sind jetzt im Xiaomi Store.
cta-store = Zum Xiaomi Store

## Fußzeile
# $date (JJJJ-MM-TT) - der letzte Tag der alten Website

footer-closed = Die { $brand }-Website und die { $brand }-Store-App wurden nach dem { DATETIME($date) } eingestellt.
footer-handover = Garantie, Kundendienst und Bestellungen übernimmt Xiaomi.

## Letzte Änderung einer Seite, wenn ihr Kopf `updated:` hat
# $date (JJJJ-MM-TT) - der Tag der letzten Änderung

page-updated = Zuletzt aktualisiert am { DATETIME($date) }.
