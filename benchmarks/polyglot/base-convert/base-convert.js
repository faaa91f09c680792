'use strict';

function convertBase() {
  throw new Error('Remove this line and implement convertBase');
}

module.exports = { convertBase };
