# Textes de l’interface du thème « notice », en français. Mêmes identifiants
# que la locale de référence (en). Le texte des pages est dans content/.

## Cadre de page : lien d’évitement, en-tête, navigation, pied de page

skip-link = Aller au contenu principal
# $brand (String) - le nom de la marque, tiré de site.yaml
site-name = Information clients { $brand }
site-tagline = Désormais sur la boutique Xiaomi
# Le <title> de chaque page. $title - le titre de la page ; $brand - la marque
document-title = { $title } – Information clients { $brand }
nav-label = Comprendre le changement
language-switcher-label = Langue et pays

## L’appel à l’action principal, sur chaque page

cta-lead = Les produits { $brand }, l’assistance et les commandes sont désormais sur la boutique Xiaomi.
cta-store = Aller sur la boutique Xiaomi

## Pied de page
# $date (AAAA-MM-JJ) - le dernier jour de l’ancien site

footer-closed = Le site { $brand } et l’application { $brand } Store ont été arrêtés après le { DATETIME($date) }.
footer-handover = Garantie, service après-vente et commandes : c’est désormais Xiaomi qui s’en charge.

## Dernière modification d’une page, si son en-tête a `updated:`
# $date (AAAA-MM-JJ) - le jour de la dernière modification

page-updated = Dernière mise à jour le { DATETIME($date) }.
