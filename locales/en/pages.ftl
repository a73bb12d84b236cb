## The "page not found" page (404.html)

not-found-title = Page not found
not-found-description = This { $brand } page no longer exists. The notice explains where everything has moved.
not-found-text = The { $brand } website has closed, so this address no longer leads to a page.
# $count (Number) - how many pages the notice has
not-found-pages =
    { $count ->
        [one] This page explains what changed:
       *[other] These { $count } pages explain what changed:
    }
not-found-home = Read the notice
not-found-store = Looking for a product? Visit the Xiaomi store.

## The language choice (root of a domain with several languages)

languages-title = Choose your language
languages-description = The { $brand } customer notice, in every language this site offers.
# $count (Number) - how many languages the site offers
languages-intro =
    { $count ->
        [one] This notice is available in one language.
       *[other] This notice is available in { $count } languages. Choose yours:
    }
