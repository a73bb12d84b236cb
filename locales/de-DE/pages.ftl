## Die Seite „nicht gefunden“ (404.html)

not-found-title = Seite nicht gefunden
not-found-description = Diese { $brand }-Seite gibt es nicht mehr. Die Kundeninformation erklärt, wohin alles umgezogen ist.
not-found-text = Die { $brand }-Website ist geschlossen, deshalb führt diese Adresse zu keiner Seite mehr.
# $count (Number) - wie viele Seiten die Kundeninformation hat
not-found-pages =
    { $count ->
        [one] Diese Seite erklärt, was sich geändert hat:
       *[other] Diese { $count } Seiten erklären, was sich geändert hat:
    }
not-found-home = Zur Kundeninformation
not-found-store = Sie suchen ein Produkt? Besuchen Sie den Xiaomi Store.

## Die Sprachauswahl (Startseite einer Domain mit mehreren Sprachen)

languages-title = Sprache wählen
languages-description = Die { $brand }-Kundeninformation in allen Sprachen, die diese Website anbietet.
# $count (Number) - wie viele Sprachen die Website anbietet
languages-intro =
    { $count ->
        [one] Diese Kundeninformation gibt es in einer Sprache.
       *[other] Diese Kundeninformation gibt es in { $count } Sprachen. Bitte wählen Sie:
    }
