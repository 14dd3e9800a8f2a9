/**
 * A look-up done once per request: later calls with the same request get the
 * first answer (or failure). For what a handler and the view it answers with
 * both need, such as the app's installation or the browser's interaction.
 */
export function oncePerRequest<R extends object, A extends unknown[], T>(
  read: (req: R, ...rest: A) => Promise<T>,
): (req: R, ...rest: A) => Promise<T> {
  const answers = new WeakMap<R, Promise<T>>();
  return (req, ...rest) => {
    let answer = answers.get(req);
    if (!answer) {
      answer = read(req, ...rest);
      answers.set(req, answer);
    }
    return answer;
  };
}
