# Language names come from CLDR, not from here.
nav-label = Pagina's
price = Prijs: { $amount
tricky = <b>vet</b> & "aangehaald"
not-found = Deze pagina bestaat niet.
closed-on = Gesloten op { DATETIME($date) }.
