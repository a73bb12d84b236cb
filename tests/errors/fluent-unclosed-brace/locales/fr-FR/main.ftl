language-name = Français
nav-label = Pages

## Prices

price = Prix : { $amount

## The page that does not exist

not-found = Cette page n'existe pas.
tricky = <b>gras</b>
closed-on = Fermé le { DATETIME($date) }.
