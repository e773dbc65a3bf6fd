// The signed-in token: in sessionStorage (gone when the tab closes) unless the user asks to stay
// signed in on this computer (localStorage). Never in a URL, a cookie or a log.

const TOKEN_KEY = "petitionflow.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);
}

export function keepToken(value, { remember }) {
  forgetToken();
  (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

export function signedIn() {
  return Boolean(token());
}
