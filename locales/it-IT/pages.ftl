## La pagina «non trovata» (404.html)

not-found-title = Pagina non trovata
not-found-description = Questa pagina { $brand } non esiste più. L’avviso spiega dove è stato trasferito tutto.
not-found-text = Il sito { $brand } ha chiuso: questo indirizzo non porta più a nessuna pagina.
# $count (Number) - quante pagine ha l’avviso
not-found-pages =
    { $count ->
        [one] Questa pagina spiega cosa è cambiato:
        [many] Queste { $count } pagine spiegano cosa è cambiato:
       *[other] Queste { $count } pagine spiegano cosa è cambiato:
    }
not-found-home = Leggi l’avviso
not-found-store = Cerchi un prodotto? Vai allo store Xiaomi.

## La scelta della lingua (radice di un dominio con più lingue)

languages-title = Scegli la tua lingua
languages-description = L’avviso ai clienti { $brand }, in tutte le lingue offerte da questo sito.
# $count (Number) - quante lingue offre il sito
languages-intro =
    { $count ->
        [one] Questo avviso è disponibile in una sola lingua.
        [many] Questo avviso è disponibile in { $count } lingue. Scegli la tua:
       *[other] Questo avviso è disponibile in { $count } lingue. Scegli la tua:
    }
