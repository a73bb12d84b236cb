# Testi dell’interfaccia del tema «notice», in italiano. Stessi identificativi
# della lingua di riferimento (en). Il testo delle pagine è in content/.

## Struttura della pagina: link per saltare, intestazione, navigazione, piè di pagina

skip-link = Vai al contenuto principale
# $brand (String) - il nome del marchio, da site.yaml
site-name = Avviso ai clienti { $brand }
site-tagline = Ora sullo store Xiaomi
# Il <title> di ogni pagina. $title - il titolo della pagina; $brand - il marchio
document-title = { $title } – Avviso ai clienti { $brand }
nav-label = Cosa cambia
language-switcher-label = Lingua e paese

## L’invito all’azione principale, su ogni pagina

cta-lead = Prodotti { $brand }, assistenza e ordini sono passati sullo store Xiaomi.
cta-store = Vai allo store Xiaomi

## Piè di pagina
# $date (AAAA-MM-GG) - l’ultimo giorno del vecchio sito

footer-closed = Il sito { $brand } e l’app { $brand } Store sono stati dismessi dopo il { DATETIME($date) }.
footer-handover = Garanzia, assistenza post-vendita e ordini sono gestiti da Xiaomi.

## Ultima modifica di una pagina, se la sua intestazione ha `updated:`
# $date (AAAA-MM-GG) - il giorno dell’ultima modifica

page-updated = Ultimo aggiornamento il { DATETIME($date) }.
