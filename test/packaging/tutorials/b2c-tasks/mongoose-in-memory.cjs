// Not from the tutorial: an in-memory stand-in for the part of mongoose 4's callback API that the tutorial's
// server.js calls (connect, Schema, model, new Model().save(cb), Model.find(q).limit(n).sort(k).exec(cb)),
// because the tutorial stores tasks in a MongoDB server the test machine does not have. Its callbacks run
// synchronously, unlike mongoose's: the tutorial's handlers call `return next()` right after starting a
// query and answer in its callback, which restify 4 allowed and restify 7+ answers with a 500
// ("reached the end of the handler chain without writing a response!") unless the answer came first.
const collections = new Map();

function Schema(definition) {
  this.definition = definition;
}

function model(name, schema) {
  if (!schema) return collections.get(name).Model;
  const documents = [];
  function Model() {
    this._id = String(documents.length + 1);
  }
  Model.prototype.save = function (callback) {
    documents.push(this);
    callback(null, this);
  };
  Model.find = (query) => {
    let limit = Infinity;
    let sortKey;
    const cursor = {
      limit(n) {
        limit = n;
        return cursor;
      },
      sort(key) {
        sortKey = key;
        return cursor;
      },
      exec(callback) {
        const found = documents.filter((d) => Object.entries(query).every(([k, v]) => d[k] === v));
        if (sortKey) found.sort((a, b) => (a[sortKey] < b[sortKey] ? -1 : a[sortKey] > b[sortKey] ? 1 : 0));
        callback(null, found.slice(0, limit));
      },
    };
    return cursor;
  };
  collections.set(name, { schema, Model });
  return Model;
}

module.exports = { connect: (uri) => ({ uri }), Schema, model };
