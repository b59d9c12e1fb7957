/** The demo service's logic: greets whoever asks, in the language they ask for. */
const GREETINGS = { en: 'Hello', fr: 'Bonjour', de: 'Hallo', es: 'Hola' };

export function greet(name = 'world', lang = 'en') {
  const greeting = GREETINGS[lang];
  if (!greeting) throw new RangeError(`unknown language: ${lang}`);
  return `${greeting}, ${name}!`;
}

export const VERSION = '1.0.0';
